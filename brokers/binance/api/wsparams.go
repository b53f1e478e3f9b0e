package api

import (
	"slices"
	"strings"
)

// WSPayload is [WSPayload] of p's parameters without building a map:
// every parameter but signature, sorted by name, as "k=v&k=v" with the
// values as they are. A repeated key is signed each time it appears (the
// WebSocket API's params object cannot repeat one; do not).
func (p Params) WSPayload() string {
	idx := make([]int, 0, len(p))
	n := 0
	for i, kv := range p {
		if kv.Key != ParamSignature {
			idx = append(idx, i)
			n += len(kv.Key) + len(kv.Value) + 2
		}
	}
	slices.SortStableFunc(idx, func(a, b int) int { return strings.Compare(p[a].Key, p[b].Key) })
	var sb strings.Builder
	sb.Grow(n)
	for i, j := range idx {
		if i > 0 {
			sb.WriteByte('&')
		}
		sb.WriteString(p[j].Key)
		sb.WriteByte('=')
		sb.WriteString(p[j].Value)
	}
	return sb.String()
}

// SignWS is the WebSocket API signature of p, as [SignWSParams] gives
// for p.Map(): the hex HMAC-SHA256 of [Params.WSPayload].
func (p Params) SignWS(secret Secret) string { return secret.Sign([]byte(p.WSPayload())) }
