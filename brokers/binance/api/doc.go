// Package api is the Binance spot order-entry vocabulary shared by desk's
// simulated venue (brokers/sim/binance, the server side) and desk's
// Binance adapter (the client side): one place for the protocol's
// request parameters, answers, events, errors, signatures and rate-limit
// headers, so that both sides agree by construction.
//
// It is pure: no network or other I/O, except [LoadCredentials] and
// [CredentialsFromEnv], which read the credentials. Decimals stay strings
// as on the wire; converting them to desk's fixed-point types is the
// caller's business.
//
// # Credentials
//
// A [Secret] never prints (every fmt verb, JSON, text and slog give
// "[redacted]") and never gives its bytes out: it signs and verifies in
// place. [LoadCredentials] refuses a file that group or others can read
// or write. Errors never carry a key or a secret.
//
// # Signing
//
// REST (SIGNED endpoints): the request carries timestamp (Unix ms, or µs)
// and optionally recvWindow (ms, default 5000, at most 60000, up to three
// decimals); signature is the hex HMAC-SHA256, keyed with the secret, of
// the total params string: the query string concatenated without
// separator with the form body, exactly as sent (percent-encoded, in the
// order sent, not sorted). The API key goes in the X-MBX-APIKEY header.
// [SignQuery] signs one ordered [Params] list; [SignPayload] a split
// query and body; [VerifyQuery] checks one on the venue side in constant
// time; [CheckTimestamp] applies the venue's rule timestamp < serverTime
// + 1 s and serverTime - timestamp <= recvWindow (-1021 otherwise).
//
// WebSocket API (/ws-api/v3, {"id","method","params"}): apiKey,
// timestamp and signature are params; the payload is every param but
// signature, sorted by name, as k=v joined by &, values as plain UTF-8
// (not percent-encoded): [WSPayload], [SignWSParams], [VerifyWSParams].
// A [Signer] keys one HMAC per secret and appends signatures without
// allocating, for the order-entry hot path; like a Secret it never prints.
// HMAC signatures are case-insensitive hex.
//
// # Outcomes
//
// A client must never invent an outcome. [OutcomeOf] says what an answer
// means for a state-changing request (new order, cancel,
// cancel-replace):
//
//   - done: a 2xx answer.
//   - rejected, certainly not executed: a venue error with a 4xx status:
//     filter failures (-1013), bad parameters (-11xx), timestamps and
//     signatures (-1021, -1022), the matching engine's refusals (-2010,
//     -2011, -2013), key errors (-2014, -2015), and 403, 418 and 429.
//   - unknown: everything else: HTTP 5xx (Binance: "It is important to
//     NOT treat this as a failure operation; the execution status is
//     UNKNOWN and could have been a success"), -1000, -1001, -1006 and
//     -1007 ("execution status unknown"), -1008, cancelReplace's partial
//     -2021, an answer that is not the venue's, and every transport error
//     or timeout. Reconcile an unknown outcome (query by client order id,
//     or wait for the executionReport) before sending anything that
//     depends on it; resending a new order is not idempotent once the
//     first one is no longer open.
//
// [Error.Temporary] and [Error.RateLimited] say whether and when to try
// again, not what happened; [ParseRateLimits] reads the X-MBX-USED-WEIGHT-*,
// X-MBX-ORDER-COUNT-* and Retry-After headers.
package api
