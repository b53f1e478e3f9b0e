// Package deploy holds the files that run desk in production: the Grafana
// dashboard, the Prometheus scrape config and alert rules, and the systemd
// unit. Its tests check those files: that every expression names only
// metrics desk serve --metrics exports, that promtool accepts the rules and
// the config, that every alert tells the on-call engineer what to do, and
// that the unit starts the daemon with flags it has.
package deploy

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"
)

const (
	dashboardFile  = "grafana/desk-dashboard.json"
	alertsFile     = "prometheus/alerts.yml"
	prometheusFile = "prometheus/prometheus.yml"
	unitFileName   = "systemd/desk.service"
	mainGo         = "../cmd/desk/main.go"

	// commandTimeout bounds every external command a test runs.
	commandTimeout = 30 * time.Second
)

// kind is a metric's Prometheus type.
type kind int

const (
	counter kind = iota
	gauge
	histogram // classic buckets and native: name, name_bucket, name_count, name_sum
)

// family is one metric family desk serve --metrics exports.
type family struct {
	kind   kind
	labels []string
}

// catalogue is the metrics desk exports, with their labels: the contract
// between core/metrics and the files here. up, go_* and process_* come from
// Prometheus and client_golang's standard collectors.
var catalogue = map[string]family{
	"desk_stage_latency_seconds":          {histogram, []string{"stage"}},
	"desk_strategy_tick_to_order_seconds": {histogram, []string{"strategy"}},
	"desk_venue_ack_latency_seconds":      {histogram, []string{"venue"}},
	"desk_orders_sent_total":              {counter, []string{"strategy", "book"}},
	"desk_fills_total":                    {counter, []string{"strategy", "book"}},
	"desk_denials_total":                  {counter, []string{"strategy", "reason"}},
	"desk_cancels_total":                  {counter, []string{"strategy"}},
	"desk_rejects_total":                  {counter, []string{"venue", "reason"}},
	"desk_venue_rejects_total":            {counter, []string{"venue"}},
	"desk_status_timestamp_seconds":       {gauge, nil},
	"desk_breaker_trips_total":            {counter, []string{"node", "breaker"}},
	"desk_breaker_tripped":                {gauge, []string{"node", "breaker"}},
	"desk_trading_state":                  {gauge, []string{"node", "state"}},
	"desk_feed_frames_total":              {counter, []string{"venue"}},
	"desk_feed_gaps_total":                {counter, []string{"venue"}},
	"desk_feed_resyncs_total":             {counter, []string{"venue"}},
	"desk_feed_reconnects_total":          {counter, []string{"venue"}},
	"desk_feed_stale_instruments":         {gauge, []string{"venue"}},
	"desk_feed_connected":                 {gauge, []string{"venue"}},
	"desk_venue_connected":                {gauge, []string{"venue"}},
	"desk_feed_last_message_age_seconds":  {gauge, []string{"venue"}},
	"desk_journal_commit_seconds":         {histogram, nil},
	"desk_journal_pending_events":         {gauge, nil},
	"desk_journal_down":                   {gauge, nil},
	"desk_queue_depth":                    {gauge, []string{"queue"}},
	"desk_clients_connected":              {gauge, nil},
	"desk_strategy_position":              {gauge, []string{"strategy", "instrument"}},
	"desk_strategy_realized_pnl":          {gauge, []string{"strategy"}},
	"desk_strategy_unrealized_pnl":        {gauge, []string{"strategy"}},
	"desk_book_realized_pnl":              {gauge, []string{"book"}},
	"desk_book_unrealized_pnl":            {gauge, []string{"book"}},
	"desk_venue_rate_budget_used_ratio":   {gauge, []string{"venue", "window"}},
}

// enums are the values a label may take; a matcher with = or != must name
// one of them.
var enums = map[string][]string{
	"stage":  {"feed", "inbox", "strategy", "risk", "route", "send", "venue-ack", "tick-to-order"},
	"state":  {"active", "reduce-only", "halted"},
	"queue":  {"books", "reports", "intents", "commands"},
	"window": {"orders_10s", "orders_1d", "weight_1m"},
}

// targetLabels are the labels Prometheus attaches to every scraped series.
var targetLabels = []string{"job", "instance", "env"}

// requiredAlerts are the alerts the on-call runbook relies on.
var requiredAlerts = []string{
	"DeskDown", "TickToOrderP99High", "RejectRateHigh", "FeedGaps", "FeedStale",
	"FeedDisconnected", "BreakerTripped", "JournalDown", "JournalPendingHigh", "TradingHalted",
}

var severities = map[string]bool{"critical": true, "warning": true, "info": true}

// resolve returns the family a series name belongs to and whether it is a
// histogram's classic series; ok is false for names desk does not export.
func resolve(name string) (base string, f family, ok bool) {
	if f, ok := catalogue[name]; ok {
		return name, f, true
	}
	for _, suffix := range []string{"_bucket", "_count", "_sum"} {
		if b, found := strings.CutSuffix(name, suffix); found {
			if f, ok := catalogue[b]; ok && f.kind == histogram {
				return b, f, true
			}
		}
	}
	return "", family{}, false
}

// external reports whether name is a series desk does not define but may
// be scraped with it: Prometheus's up and client_golang's collectors.
func external(name string) bool {
	return name == "up" || strings.HasPrefix(name, "go_") || strings.HasPrefix(name, "process_")
}

// checkExpr checks that expr names only exported metrics, with their own
// labels, and enum labels with known values; it returns the desk series
// names it uses, the known ones even when it fails.
func checkExpr(expr string) ([]string, error) {
	refs, err := parsePromQL(expr)
	if err != nil {
		return nil, err
	}
	if len(refs.selectors) == 0 && !strings.Contains(expr, "vector(") {
		return nil, fmt.Errorf("no metric in %q", expr)
	}
	var used []string
	var errs []error
	known := map[string]bool{}
	for _, l := range targetLabels {
		known[l] = true
	}
	for _, sel := range refs.selectors {
		if external(sel.metric) {
			for _, m := range sel.matchers {
				known[m.label] = true
			}
			if sel.metric == "go_gc_duration_seconds" {
				known["quantile"] = true
			}
			continue
		}
		base, f, ok := resolve(sel.metric)
		if !ok {
			errs = append(errs, fmt.Errorf("unknown metric %s", sel.metric))
			continue
		}
		used = append(used, sel.metric)
		labels := map[string]bool{}
		for _, l := range f.labels {
			labels[l], known[l] = true, true
		}
		if f.kind == histogram {
			known["le"] = true
		}
		if sel.metric == base+"_bucket" {
			labels["le"] = true
		}
		for _, m := range sel.matchers {
			if !labels[m.label] && !contains(targetLabels, m.label) {
				errs = append(errs, fmt.Errorf("%s has no label %q", sel.metric, m.label))
				continue
			}
			if vals, isEnum := enums[m.label]; isEnum && (m.op == "=" || m.op == "!=") && !contains(vals, m.value) {
				errs = append(errs, fmt.Errorf("%s{%s%s%q}: %q is not one of %v", sel.metric, m.label, m.op, m.value, m.value, vals))
			}
		}
	}
	for _, l := range refs.grouping {
		if !known[l] {
			errs = append(errs, fmt.Errorf("grouping label %q belongs to no metric of the expression", l))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return used, fmt.Errorf("%q:\n%w", expr, err)
	}
	return used, nil
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func readFile(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// run runs a command with commandTimeout, in dir, and returns its combined
// output.
func run(t *testing.T, dir, name string, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), commandTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	cmd.WaitDelay = time.Second
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	if ctx.Err() != nil {
		err = fmt.Errorf("%s %s: timed out after %v", name, strings.Join(args, " "), commandTimeout)
	}
	return out.String(), err
}

// needPromtool returns promtool's path, or skips the test.
func needPromtool(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("promtool")
	if err != nil {
		t.Skip("promtool is not on PATH; install Debian's prometheus package " +
			"(apt-get install -y --no-install-recommends prometheus) to check the rules and the config")
	}
	return p
}

// ---------------------------------------------------------------------------
// Grafana dashboard

type dashboard struct {
	UID           string  `json:"uid"`
	Title         string  `json:"title"`
	SchemaVersion int     `json:"schemaVersion"`
	Panels        []panel `json:"panels"`
	Templating    struct {
		List []struct {
			Name       string          `json:"name"`
			Type       string          `json:"type"`
			Query      json.RawMessage `json:"query"`
			Datasource *datasource     `json:"datasource"`
			Definition string          `json:"definition"`
		} `json:"list"`
	} `json:"templating"`
	Annotations struct {
		List []struct {
			Name       string      `json:"name"`
			BuiltIn    int         `json:"builtIn"`
			Datasource *datasource `json:"datasource"`
			Expr       string      `json:"expr"`
		} `json:"list"`
	} `json:"annotations"`
}

type datasource struct {
	Type string `json:"type"`
	UID  string `json:"uid"`
}

type panel struct {
	ID         int                      `json:"id"`
	Type       string                   `json:"type"`
	Title      string                   `json:"title"`
	Datasource *datasource              `json:"datasource"`
	GridPos    struct{ H, W, X, Y int } `json:"gridPos"`
	Panels     []panel                  `json:"panels"` // a collapsed row's
	Targets    []struct {
		RefID      string      `json:"refId"`
		Expr       string      `json:"expr"`
		Datasource *datasource `json:"datasource"`
	} `json:"targets"`
}

// promDS is how every panel and query names the data source: the
// dashboard's datasource variable.
var promDS = datasource{Type: "prometheus", UID: "${datasource}"}

func loadDashboard(t *testing.T) dashboard {
	t.Helper()
	var d dashboard
	dec := json.NewDecoder(bytes.NewReader(readFile(t, dashboardFile)))
	if err := dec.Decode(&d); err != nil {
		t.Fatalf("%s is not a dashboard: %v", dashboardFile, err)
	}
	if dec.More() {
		t.Fatalf("%s: data after the dashboard", dashboardFile)
	}
	return d
}

// flatPanels returns the dashboard's panels, those of collapsed rows
// included.
func flatPanels(ps []panel) []panel {
	var out []panel
	for _, p := range ps {
		out = append(out, p)
		out = append(out, flatPanels(p.Panels)...)
	}
	return out
}

// dashboardExprs returns every PromQL expression of the dashboard, named
// by where it is.
func dashboardExprs(t *testing.T, d dashboard) map[string]string {
	t.Helper()
	exprs := map[string]string{}
	for _, p := range flatPanels(d.Panels) {
		for _, tg := range p.Targets {
			exprs[fmt.Sprintf("panel %d %q query %s", p.ID, p.Title, tg.RefID)] = tg.Expr
		}
	}
	for _, a := range d.Annotations.List {
		if a.BuiltIn == 0 {
			exprs[fmt.Sprintf("annotation %q", a.Name)] = a.Expr
		}
	}
	labelValues := regexp.MustCompile(`^label_values\((.*),\s*\w+\)$`)
	for _, v := range d.Templating.List {
		if v.Type != "query" {
			continue
		}
		m := labelValues.FindStringSubmatch(v.Definition)
		if m == nil {
			t.Errorf("variable %s: query %q is not label_values(SELECTOR, LABEL)", v.Name, v.Definition)
			continue
		}
		exprs[fmt.Sprintf("variable %s", v.Name)] = m[1]
	}
	return exprs
}

func TestDashboardStructure(t *testing.T) {
	d := loadDashboard(t)
	if d.UID == "" || d.Title == "" {
		t.Error("the dashboard needs a uid and a title")
	}
	if d.SchemaVersion < 39 {
		t.Errorf("schemaVersion %d; want a current one (39 or later)", d.SchemaVersion)
	}

	vars := map[string]string{}
	for _, v := range d.Templating.List {
		vars[v.Name] = v.Type
		if v.Type == "query" && (v.Datasource == nil || *v.Datasource != promDS) {
			t.Errorf("variable %s: datasource %v, want %v", v.Name, v.Datasource, promDS)
		}
	}
	if vars["datasource"] != "datasource" {
		t.Error(`the dashboard needs a "datasource" variable of type datasource`)
	}
	for _, v := range d.Templating.List {
		if v.Name == "datasource" && string(v.Query) != `"prometheus"` {
			t.Errorf("datasource variable query %s, want \"prometheus\"", v.Query)
		}
	}

	ids := map[int]string{}
	rows := 0
	for i, p := range flatPanels(d.Panels) {
		if prev, dup := ids[p.ID]; dup || p.ID == 0 {
			t.Errorf("panel %q: id %d is zero or also %q's", p.Title, p.ID, prev)
		}
		ids[p.ID] = p.Title
		if p.Title == "" {
			t.Errorf("panel %d has no title", p.ID)
		}
		g := p.GridPos
		if g.W < 1 || g.H < 1 || g.X < 0 || g.X+g.W > 24 || g.Y < 0 {
			t.Errorf("panel %q: gridPos %+v is off the 24-column grid", p.Title, g)
		}
		if p.Type == "row" {
			rows++
			continue
		}
		if i == 0 {
			t.Errorf("panel %q comes before the first row", p.Title)
		}
		if p.Datasource == nil || *p.Datasource != promDS {
			t.Errorf("panel %q: datasource %v, want %v", p.Title, p.Datasource, promDS)
		}
		if len(p.Targets) == 0 {
			t.Errorf("panel %q has no query", p.Title)
		}
		for _, tg := range p.Targets {
			if strings.TrimSpace(tg.Expr) == "" {
				t.Errorf("panel %q query %s has no expr", p.Title, tg.RefID)
			}
			if tg.Datasource == nil || *tg.Datasource != promDS {
				t.Errorf("panel %q query %s: datasource %v, want %v", p.Title, tg.RefID, tg.Datasource, promDS)
			}
		}
	}
	if rows < 4 {
		t.Errorf("%d rows; the panels should be grouped in rows", rows)
	}

	// Panels must not overlap.
	type cell struct{ x, y int }
	taken := map[cell]string{}
	for _, p := range d.Panels {
		g := p.GridPos
		for x := g.X; x < g.X+g.W; x++ {
			for y := g.Y; y < g.Y+g.H; y++ {
				if other, ok := taken[cell{x, y}]; ok {
					t.Fatalf("panels %q and %q overlap at (%d, %d)", other, p.Title, x, y)
				}
				taken[cell{x, y}] = p.Title
			}
		}
	}
}

func TestDashboardMetrics(t *testing.T) {
	d := loadDashboard(t)
	used := map[string]bool{}
	exprs := dashboardExprs(t, d)
	for where, expr := range exprs {
		names, err := checkExpr(expr)
		if err != nil {
			t.Errorf("%s: %v", where, err)
		}
		for _, n := range names {
			used[n] = true
		}
	}

	// Every exported metric is on the dashboard, and every histogram
	// quantile reads the classic buckets or else the native histogram.
	var missing []string
	for name, f := range catalogue {
		switch {
		case f.kind != histogram && !used[name]:
			missing = append(missing, name)
		case f.kind == histogram && !(used[name] && used[name+"_bucket"]):
			missing = append(missing, name+" (classic and native)")
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("metrics not on the dashboard: %s", strings.Join(missing, ", "))
	}
	if !used["desk_stage_latency_seconds"] {
		return
	}
	var nativeQuantile bool
	for _, expr := range exprs {
		if strings.Contains(expr, "histogram_quantile(0.99, sum by (stage) (rate(desk_stage_latency_seconds{") {
			nativeQuantile = true
		}
	}
	if !nativeQuantile {
		t.Error("no native-histogram p99 of desk_stage_latency_seconds by stage")
	}
}

// TestDashboardPromQL has promtool parse every expression of the
// dashboard, as the expressions of a rules file.
func TestDashboardPromQL(t *testing.T) {
	promtool := needPromtool(t)
	d := loadDashboard(t)
	exprs := dashboardExprs(t, d)
	keys := make([]string, 0, len(exprs))
	for k := range exprs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteString("groups:\n  - name: dashboard\n    rules:\n")
	for i, k := range keys {
		// Grafana's variables become what they stand for at query time.
		expr := strings.NewReplacer("$instance", ".*", "$strategy", ".*", "$book", ".*", "$venue", ".*").
			Replace(promqlExpr(exprs[k]))
		js, _ := json.Marshal(expr) // a JSON string is a YAML scalar
		fmt.Fprintf(&b, "      - record: dashboard:expr%d # %s\n        expr: %s\n", i, strings.ReplaceAll(k, "\n", " "), js)
	}
	rules := filepath.Join(t.TempDir(), "dashboard-rules.yml")
	if err := os.WriteFile(rules, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := run(t, ".", promtool, "check", "rules", rules)
	if err != nil {
		t.Fatalf("promtool rejects dashboard expressions: %v\n%s", err, out)
	}
}

// ---------------------------------------------------------------------------
// Prometheus rules and config

type rule struct {
	alert, expr, forDur string
	labels, annotations map[string]string
}

// loadAlerts reads the alerting rules of alerts.yml.
func loadAlerts(t *testing.T) []rule {
	t.Helper()
	doc, err := parseYAML(string(readFile(t, alertsFile)))
	if err != nil {
		t.Fatalf("%s: %v", alertsFile, err)
	}
	top, _ := doc.(map[string]any)
	groups, ok := top["groups"].([]any)
	if !ok || len(groups) == 0 {
		t.Fatalf("%s: no groups", alertsFile)
	}
	var rules []rule
	for _, g := range groups {
		gm, _ := g.(map[string]any)
		rs, ok := gm["rules"].([]any)
		if !ok {
			t.Fatalf("%s: group %v has no rules", alertsFile, gm["name"])
		}
		for _, r := range rs {
			rm, _ := r.(map[string]any)
			rl := rule{labels: strMap(rm["labels"]), annotations: strMap(rm["annotations"])}
			rl.alert, _ = rm["alert"].(string)
			rl.expr, _ = rm["expr"].(string)
			rl.forDur, _ = rm["for"].(string)
			rules = append(rules, rl)
		}
	}
	return rules
}

func strMap(v any) map[string]string {
	m := map[string]string{}
	vm, _ := v.(map[string]any)
	for k, x := range vm {
		m[k], _ = x.(string)
	}
	return m
}

func TestAlerts(t *testing.T) {
	rules := loadAlerts(t)
	seen := map[string]bool{}
	for _, r := range rules {
		if r.alert == "" {
			t.Errorf("a rule without an alert name (expr %q): alerts.yml holds alerts only", r.expr)
			continue
		}
		if seen[r.alert] {
			t.Errorf("alert %s is defined twice", r.alert)
		}
		seen[r.alert] = true
		if !severities[r.labels["severity"]] {
			t.Errorf("alert %s: severity %q, want one of critical, warning, info", r.alert, r.labels["severity"])
		}
		for _, a := range []string{"summary", "description"} {
			if strings.TrimSpace(r.annotations[a]) == "" {
				t.Errorf("alert %s has no %s annotation", r.alert, a)
			}
		}
		// The description must give the on-call engineer a first step.
		if d := r.annotations["description"]; !strings.Contains(d, "First:") || !strings.Contains(d, "`") {
			t.Errorf("alert %s: the description should say what to do first (\"First: `command` ...\")", r.alert)
		}
		if _, err := checkExpr(r.expr); err != nil {
			t.Errorf("alert %s: %v", r.alert, err)
		}
	}
	for _, name := range requiredAlerts {
		if !seen[name] {
			t.Errorf("alert %s is missing", name)
		}
	}
	byName := map[string]rule{}
	for _, r := range rules {
		byName[r.alert] = r
	}
	if r := byName["DeskDown"]; !strings.Contains(r.expr, `up{job="desk"} == 0`) || r.forDur != "1m" {
		t.Errorf("DeskDown: expr %q for %q; want up{job=\"desk\"} == 0 for 1m", r.expr, r.forDur)
	}
	if r := byName["TradingHalted"]; !strings.Contains(r.expr, `node="firm"`) || !strings.Contains(r.expr, `state="halted"`) {
		t.Errorf("TradingHalted: expr %q should watch the firm's halted state", r.expr)
	}
}

func TestPromtoolCheckRules(t *testing.T) {
	promtool := needPromtool(t)
	out, err := run(t, ".", promtool, "check", "rules", alertsFile)
	if err != nil {
		t.Fatalf("promtool check rules %s: %v\n%s", alertsFile, err, out)
	}
	// promtool and this package's reader must see the same rules.
	m := regexp.MustCompile(`SUCCESS: (\d+) rules found`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("promtool check rules: no rule count in\n%s", out)
	}
	if n := fmt.Sprint(len(loadAlerts(t))); n != m[1] {
		t.Errorf("promtool found %s rules, this test read %s", m[1], n)
	}
}

func TestPromtoolCheckConfig(t *testing.T) {
	promtool := needPromtool(t)
	// promtool resolves rule_files against the config's directory.
	out, err := run(t, ".", promtool, "check", "config", prometheusFile)
	if err != nil {
		t.Fatalf("promtool check config %s: %v\n%s", prometheusFile, err, out)
	}
	if !strings.Contains(out, filepath.Base(alertsFile)) {
		t.Errorf("promtool check config did not load %s:\n%s", alertsFile, out)
	}
}

// scrapeTarget returns the rule files and the desk job's targets of
// prometheus.yml.
func scrapeTarget(t *testing.T) (ruleFiles, targets []string) {
	t.Helper()
	doc, err := parseYAML(string(readFile(t, prometheusFile)))
	if err != nil {
		t.Fatalf("%s: %v", prometheusFile, err)
	}
	top, _ := doc.(map[string]any)
	rf, _ := top["rule_files"].([]any)
	for _, f := range rf {
		s, _ := f.(string)
		ruleFiles = append(ruleFiles, s)
	}
	jobs, _ := top["scrape_configs"].([]any)
	for _, j := range jobs {
		jm, _ := j.(map[string]any)
		if jm["job_name"] != "desk" {
			continue
		}
		scs, _ := jm["static_configs"].([]any)
		for _, sc := range scs {
			scm, _ := sc.(map[string]any)
			ts, _ := scm["targets"].([]any)
			for _, tg := range ts {
				s, _ := tg.(string)
				targets = append(targets, s)
			}
		}
	}
	return ruleFiles, targets
}

func TestPrometheusConfig(t *testing.T) {
	ruleFiles, targets := scrapeTarget(t)
	if !contains(ruleFiles, filepath.Base(alertsFile)) {
		t.Errorf("rule_files %v does not load %s", ruleFiles, filepath.Base(alertsFile))
	}
	// The alerts and the dashboard select job="desk".
	if len(targets) != 1 || targets[0] != "127.0.0.1:9464" {
		t.Errorf("job desk targets %v, want [127.0.0.1:9464]", targets)
	}
}

// ---------------------------------------------------------------------------
// systemd unit

// serveFlags returns the flags desk serve defines, read from
// parseDaemonFlags in cmd/desk/main.go.
func serveFlags(t *testing.T) map[string]bool {
	t.Helper()
	src := string(readFile(t, mainGo))
	start := strings.Index(src, "func parseDaemonFlags(")
	if start < 0 {
		t.Fatalf("%s: no parseDaemonFlags", mainGo)
	}
	end := strings.Index(src[start:], "\n}\n")
	if end < 0 {
		t.Fatalf("%s: parseDaemonFlags has no end", mainGo)
	}
	body := src[start : start+end]
	flags := map[string]bool{}
	for _, m := range regexp.MustCompile(`fs\.\w+\([^,]+,\s*"([\w-]+)"`).FindAllStringSubmatch(body, -1) {
		flags[m[1]] = true
	}
	if len(flags) == 0 {
		t.Fatalf("%s: no flags found in parseDaemonFlags", mainGo)
	}
	return flags
}

func loadUnit(t *testing.T) unitFile {
	t.Helper()
	u, err := parseUnit(string(readFile(t, unitFileName)))
	if err != nil {
		t.Fatalf("%s: %v", unitFileName, err)
	}
	return u
}

func TestUnitExecStart(t *testing.T) {
	u := loadUnit(t)
	argv := strings.Fields(u.last("Service", "ExecStart"))
	if len(argv) < 2 || filepath.Base(argv[0]) != "desk" || argv[1] != "serve" {
		t.Fatalf("ExecStart %q, want desk serve ...", argv)
	}
	known := serveFlags(t)
	args := map[string]string{}
	for i := 2; i < len(argv); i++ {
		name, ok := strings.CutPrefix(argv[i], "--")
		if !ok {
			t.Fatalf("ExecStart: %q is not a flag", argv[i])
		}
		name, value, inline := strings.Cut(name, "=")
		if !known[name] {
			t.Errorf("ExecStart: desk serve has no flag --%s", name)
		}
		if !inline {
			if i+1 >= len(argv) {
				t.Fatalf("ExecStart: --%s has no value", name)
			}
			i++
			value = argv[i]
		}
		args[name] = value
	}
	want := map[string]string{
		"config":  "/etc/desk/desk.toml",
		"state":   "/var/lib/" + u.last("Service", "StateDirectory"),
		"socket":  "/run/" + u.last("Service", "RuntimeDirectory") + "/desk.sock",
		"metrics": "127.0.0.1:9464",
	}
	for f, v := range want {
		if args[f] != v {
			t.Errorf("ExecStart: --%s %q, want %q", f, args[f], v)
		}
	}
	// Prometheus scrapes what the daemon serves.
	if _, targets := scrapeTarget(t); !contains(targets, args["metrics"]) {
		t.Errorf("--metrics %s is not a target of the desk job (%v)", args["metrics"], targets)
	}
}

func TestUnitHardening(t *testing.T) {
	u := loadUnit(t)
	want := map[string]string{
		"Type":                    "simple",
		"User":                    "desk",
		"StateDirectory":          "desk",
		"StateDirectoryMode":      "0700",
		"RuntimeDirectory":        "desk",
		"RuntimeDirectoryMode":    "0700", // the daemon refuses a socket dir others may enter
		"ProtectSystem":           "strict",
		"ProtectHome":             "yes",
		"PrivateTmp":              "yes",
		"NoNewPrivileges":         "yes",
		"CapabilityBoundingSet":   "",
		"RestrictAddressFamilies": "AF_UNIX AF_INET AF_INET6",
		"MemoryDenyWriteExecute":  "yes",
		"LockPersonality":         "yes",
		"RestrictRealtime":        "yes",
		"RestrictNamespaces":      "yes",
		"ProtectKernelTunables":   "yes",
		"ProtectKernelModules":    "yes",
		"ProtectKernelLogs":       "yes",
		"ProtectControlGroups":    "yes",
		"Restart":                 "on-failure",
		"KillSignal":              "SIGTERM",
	}
	for k, v := range want {
		if _, ok := u["Service"][k]; !ok {
			t.Errorf("[Service] %s= is missing (want %q)", k, v)
		} else if got := u.last("Service", k); got != v {
			t.Errorf("[Service] %s=%s, want %q", k, got, v)
		}
	}
	if f := u["Service"]["SystemCallFilter"]; len(f) == 0 || f[0] != "@system-service" {
		t.Errorf("SystemCallFilter %q, want @system-service first", f)
	}
	// Not a DynamicUser: the socket accepts peers of the daemon's uid only.
	if u.last("Service", "DynamicUser") == "yes" {
		t.Error("DynamicUser=yes: operators could not run desk ctl as the daemon's uid")
	}
	for _, k := range []string{"RestartSec", "TimeoutStopSec"} {
		d, err := time.ParseDuration(u.last("Service", k))
		if err != nil {
			t.Errorf("%s=%q: want a duration with a unit (e.g. 5s): %v", k, u.last("Service", k), err)
			continue
		}
		// The daemon gives strategies 5s to stop, then drains the engine
		// and closes the journal.
		if k == "TimeoutStopSec" && d < 20*time.Second {
			t.Errorf("TimeoutStopSec=%v leaves too little time for a clean journal close", d)
		}
		if k == "RestartSec" && (d < time.Second || d > time.Minute) {
			t.Errorf("RestartSec=%v, want between 1s and 1m", d)
		}
	}
	if n := u.last("Service", "LimitNOFILE"); n == "" {
		t.Error("LimitNOFILE= is missing")
	}
	if u.last("Install", "WantedBy") != "multi-user.target" {
		t.Error("[Install] WantedBy=multi-user.target is missing")
	}
}

// TestUnitVerify runs systemd-analyze verify on the unit, with ExecStart
// pointing at an executable that exists here.
func TestUnitVerify(t *testing.T) {
	analyze, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Skip("systemd-analyze is not on PATH (it comes with systemd)")
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	src := strings.Replace(string(readFile(t, unitFileName)), "/usr/local/bin/desk", self, 1)
	path := filepath.Join(t.TempDir(), "desk.service")
	if err := os.WriteFile(path, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := run(t, ".", analyze, "verify", path)
	if err != nil || strings.TrimSpace(out) != "" {
		t.Errorf("systemd-analyze verify: %v\n%s", err, out)
	}
}
