package binance

import (
	"io"
	"net"
	"net/http"
	"time"

	"github.com/desk-trading/desk/brokers/binance/api"
)

// maxBody bounds a signed request's form body.
const maxBody = 64 << 10

// signed is an authenticated order-entry request.
type signed struct {
	acct   string     // account id
	key    string     // the API key, for the listen-key endpoints
	params api.Params // the query's then the body's, in the order sent
	addr   string     // the client's address, for the ban
}

func clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// account resolves an API key as Binance does: none or a malformed one is
// -2014, one the venue does not know -2015 (both HTTP 401).
func (s *Server) account(key string) (api.Credentials, *api.Error) {
	if key == "" {
		return api.Credentials{}, api.NewError(api.CodeBadAPIKeyFmt, api.MsgBadAPIKeyFmt)
	}
	c, ok := s.keys[key]
	if !ok {
		return api.Credentials{}, api.NewError(api.CodeRejectedMBXKey, api.MsgRejectedMBXKey)
	}
	return c, nil
}

// authREST authenticates a SIGNED REST request: the X-MBX-APIKEY key,
// then timestamp and recvWindow (-1021), then the HMAC-SHA256 signature
// over the query string and the body exactly as sent (-1022). The body is
// read only for a form body (or any body of POST, PUT and DELETE).
func (s *Server) authREST(r *http.Request) (*signed, *api.Error) {
	if s.broken.Load() {
		return nil, api.NewError(api.CodeDisconnected, api.MsgInternal)
	}
	c, aerr := s.account(r.Header.Get(api.HeaderAPIKey))
	if aerr != nil {
		return nil, aerr
	}
	var body string
	if r.Body != nil && r.Method != http.MethodGet {
		b, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
		if err != nil || len(b) > maxBody {
			return nil, api.NewError(api.CodeIllegalChars, "Illegal characters found in a parameter.")
		}
		body = string(b)
	}
	qp, err := api.ParseParams(r.URL.RawQuery)
	if err != nil {
		return nil, err.(*api.Error)
	}
	bp, err := api.ParseParams(body)
	if err != nil {
		return nil, err.(*api.Error)
	}
	all := append(qp, bp...)
	seen := map[string]bool{}
	for _, p := range all {
		if seen[p.Key] {
			return nil, api.NewError(api.CodeTooManyParameters, "Duplicate values for a parameter detected.")
		}
		seen[p.Key] = true
	}
	ts, _ := all.Get(api.ParamTimestamp)
	rw, _ := all.Get(api.ParamRecvWindow)
	if err := api.CheckTimestamp(ts, rw, time.Now()); err != nil {
		return nil, err.(*api.Error)
	}
	if err := api.VerifyQuery(c.Secret, r.URL.RawQuery, body); err != nil {
		return nil, err.(*api.Error)
	}
	return &signed{acct: accountID(c.APIKey), key: c.APIKey, params: all, addr: clientAddr(r)}, nil
}

// authWS authenticates a signed WebSocket API request's params: apiKey,
// timestamp and recvWindow, then the signature over the sorted params.
func (s *Server) authWS(params map[string]string, addr string) (*signed, *api.Error) {
	if s.broken.Load() {
		return nil, api.NewError(api.CodeDisconnected, api.MsgInternal)
	}
	c, aerr := s.account(params[api.ParamAPIKey])
	if aerr != nil {
		return nil, aerr
	}
	if err := api.CheckTimestamp(params[api.ParamTimestamp], params[api.ParamRecvWindow], time.Now()); err != nil {
		return nil, err.(*api.Error)
	}
	if err := api.VerifyWSParams(c.Secret, params); err != nil {
		return nil, err.(*api.Error)
	}
	ps := make(api.Params, 0, len(params))
	for k, v := range params {
		ps = append(ps, api.Param{Key: k, Value: v})
	}
	return &signed{acct: accountID(c.APIKey), key: c.APIKey, params: ps, addr: addr}, nil
}
