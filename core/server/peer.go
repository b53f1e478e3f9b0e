package server

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"os/user"
	"strconv"
)

// Peer is the process at the other end of a client connection, as the kernel
// reports it (SO_PEERCRED) when the connection is accepted.
type Peer struct {
	UID  uint32
	PID  int32
	User string // login name; "uid N" when the uid has no name
}

// String returns the peer as audit records name it: "uid 1000 (alice)".
func (p Peer) String() string {
	if p.User == "" || p.User == uidName(p.UID) {
		return uidName(p.UID)
	}
	return fmt.Sprintf("uid %d (%s)", p.UID, p.User)
}

func uidName(uid uint32) string { return "uid " + strconv.FormatUint(uint64(uid), 10) }

// lookupUser returns the login name of uid, or "uid N" when it has none.
func lookupUser(uid uint32) string {
	u, err := user.LookupId(strconv.FormatUint(uint64(uid), 10))
	if err != nil || u.Username == "" {
		return uidName(uid)
	}
	return u.Username
}

// peerKey is the context key under which ConnContext stores a connection's
// Peer.
type peerKey struct{}

func peerFrom(ctx context.Context) (Peer, bool) {
	p, ok := ctx.Value(peerKey{}).(Peer)
	return p, ok
}

// peerConn is an accepted connection with the credentials read at accept.
type peerConn struct {
	*net.UnixConn
	peer Peer
}

// peerListener accepts only connections from processes running as uid; all
// others are closed at once and logged. Accept reads the peer credentials
// on the accepting goroutine: a getsockopt, it does not block.
type peerListener struct {
	*net.UnixListener
	uid  uint32
	name string // login name of uid
	log  *slog.Logger
}

// Accept returns the next connection from an allowed peer.
func (l *peerListener) Accept() (net.Conn, error) {
	for {
		c, err := l.AcceptUnix()
		if err != nil {
			return nil, err
		}
		uid, pid, err := peerCred(c)
		if err != nil {
			l.log.Warn("refused client: cannot read peer credentials", "err", err)
			c.Close()
			continue
		}
		if uid != l.uid {
			l.log.Warn("refused client of another user", "uid", uid, "pid", pid, "want_uid", l.uid)
			c.Close()
			continue
		}
		return &peerConn{UnixConn: c, peer: Peer{UID: uid, PID: pid, User: l.name}}, nil
	}
}

// connContext is http.Server.ConnContext: it hands the Peer to the handler.
func connContext(ctx context.Context, c net.Conn) context.Context {
	if pc, ok := c.(*peerConn); ok {
		return context.WithValue(ctx, peerKey{}, pc.peer)
	}
	return ctx
}
