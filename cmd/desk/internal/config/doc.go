// Package config reads desk's configuration: instruments, venues, the risk
// tree and the strategies to run, from one TOML file or the embedded
// default that desk demo and a bare desk serve use.
//
// Decoding is strict: an unknown key, a value of the wrong type or an
// inconsistent reference (a strategy in a book that does not exist, an
// instrument no venue lists) is an error that names the key. Decimal values
// (prices, sizes, fees, limits) may be written as strings or numbers; a
// number is read through its shortest decimal form, never as a float
// value.
//
// # Caveats
//
// Secrets never live here: a venue's API key comes from a file with mode
// 0600 or the environment, in the adapter that needs it.
package config
