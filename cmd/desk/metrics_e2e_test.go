package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/desk-trading/desk/core/desktest"
)

// TestPrometheusScrapesARealDaemon runs a real desk serve with --metrics
// (its embedded default: simulated venues and trading demo strategies)
// and a real Prometheus scraping it, then asks Prometheus's HTTP API for
// the orders sent and two latency quantiles, a stage's and a strategy's,
// from native histograms (Prometheus with native histograms on keeps
// those rather than the classic buckets, which the exporter's own test
// checks). promtool checks a
// scrape's names and types. .ci/run installs Debian's prometheus package;
// without it the test skips and says so.
func TestPrometheusScrapesARealDaemon(t *testing.T) {
	promBin, err := exec.LookPath("prometheus")
	if err != nil {
		t.Skip("prometheus is not installed (apt-get install prometheus; .ci/run installs it): skipping the scrape of a real daemon")
	}
	bin, err := buildDesk()
	if err != nil {
		t.Fatal(err)
	}
	dir := desktest.ShortTempDir(t)
	p := startServe(t, bin, filepath.Join(dir, "state"), filepath.Join(dir, "desk.sock"), "--metrics", "127.0.0.1:0", "--log-format", "json")
	addr := metricsAddr(t, p)

	// A scrape parses, and promtool finds nothing wrong with its names.
	desktest.Eventually(t, within, "orders and journal commits in the daemon's metrics", func() bool {
		body := get(t, "http://"+addr+"/metrics")
		return regexp.MustCompile(`(?m)^desk_orders_sent_total\{[^}]*\} [1-9]`).MatchString(body) &&
			regexp.MustCompile(`(?m)^desk_journal_commit_seconds_count [1-9]`).MatchString(body)
	})
	if promtool, err := exec.LookPath("promtool"); err == nil {
		cmd := exec.Command(promtool, "check", "metrics")
		cmd.Stdin = strings.NewReader(get(t, "http://"+addr+"/metrics"))
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("promtool check metrics: %v\n%s", err, out)
		}
	}

	promAddr := freeAddr(t)
	cfg := filepath.Join(dir, "prometheus.yml")
	if err := os.WriteFile(cfg, []byte(fmt.Sprintf(`global:
  scrape_interval: 1s
scrape_configs:
  - job_name: desk
    static_configs:
      - targets: [%q]
`, addr)), 0o600); err != nil {
		t.Fatal(err)
	}
	prom := exec.Command(promBin, "--config.file="+cfg, "--storage.tsdb.path="+filepath.Join(dir, "tsdb"),
		"--web.listen-address="+promAddr, "--enable-feature=native-histograms")
	promLog := &lockedBuffer{}
	prom.Stdout, prom.Stderr = promLog, promLog
	if err := prom.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { prom.Process.Kill(); prom.Wait() })

	for _, q := range []string{
		`sum(desk_orders_sent_total)`,
		`histogram_quantile(0.99, sum(rate(desk_stage_latency_seconds{stage="tick-to-order"}[10s])))`,
		`histogram_quantile(0.99, sum(rate(desk_strategy_tick_to_order_seconds[10s])))`,
	} {
		var v float64
		desktest.Eventually(t, within, "Prometheus to answer "+q, func() bool {
			var ok bool
			v, ok = query(t, promAddr, q)
			return ok && v > 0
		})
		t.Logf("%s = %g", q, v)
	}
	if t.Failed() {
		t.Log(promLog.String())
	}
}

// metricsAddr reads the address the daemon serves metrics on from its
// JSON log.
func metricsAddr(t *testing.T, p *proc) string {
	t.Helper()
	re := regexp.MustCompile(`"msg":"serving metrics",[^\n]*"addr":"http://([^/"]+)/metrics"`)
	var addr string
	desktest.Eventually(t, within, "the daemon to serve metrics", func() bool {
		if m := re.FindStringSubmatch(p.stderr.String()); m != nil {
			addr = m[1]
		}
		return addr != ""
	})
	return addr
}

// freeAddr returns a loopback address free a moment ago.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func get(t *testing.T, u string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return ""
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

// query asks Prometheus for an instant vector's first value; ok false
// while it has none.
func query(t *testing.T, promAddr, q string) (float64, bool) {
	t.Helper()
	body := get(t, "http://"+promAddr+"/api/v1/query?query="+url.QueryEscape(q))
	var r struct {
		Status string
		Data   struct {
			Result []struct {
				Value [2]any
			}
		}
	}
	if json.Unmarshal([]byte(body), &r) != nil || r.Status != "success" || len(r.Data.Result) == 0 {
		return 0, false
	}
	s, _ := r.Data.Result[0].Value[1].(string)
	v, err := strconv.ParseFloat(s, 64)
	return v, err == nil
}
