#!/usr/bin/env bats
# ebpf-exporter --grafana-dashboard: the dashboard it prints has the fields
# Grafana's dashboard model needs, names only families the scrape serves,
# and every query in it returns data from a real Prometheus scraping the
# exporter after traffic.

bats_require_minimum_version 1.5.0
load lib

setup() {
	common_setup
	STATS_WAS=""
}

teardown() {
	# Put kernel.bpf_stats_enabled back as the test found it.
	if [ -n "$STATS_WAS" ]; then sysctl -qw kernel.bpf_stats_enabled="$STATS_WAS" || true; fi
	common_teardown
}

# Program run statistics on for the test (the exporter's prog_run families).
stats_on() {
	STATS_WAS=$(cat /proc/sys/kernel/bpf_stats_enabled)
	sysctl -qw kernel.bpf_stats_enabled=1
}

# Grafana's variables as this test chooses them: every instance, and a rate
# window of many scrapes (Prometheus scrapes every second here).
concrete() { # EXPR
	local e=${1//\$__rate_interval/1m}
	printf '%s\n' "${e//\$instance/.+}"
}

# The queries of every panel of the dashboard in FILE, one a line.
dashboard_exprs() { # FILE
	jq -r '.panels[] | .targets[]? | .expr' "$1"
}

# The query QUERY has a result: at least one series.
promql_data() { # QUERY_URL QUERY
	curl -sf --get --data-urlencode "query=$2" "$1" >"$TMP/answer" &&
		jq -e '.status == "success" and (.data.result | length) > 0' "$TMP/answer" >/dev/null
}

# ... and a series whose value is a finite number above 0.
promql_positive() { # QUERY_URL QUERY
	curl -sf --get --data-urlencode "query=$2" "$1" >"$TMP/answer" &&
		jq -e '[.data.result[].value[1] | select(. != "NaN" and . != "+Inf" and . != "-Inf")
			| tonumber | select(. > 0)] | length > 0' "$TMP/answer" >/dev/null
}

# Backends with counters (labelled and not, struct values), an untyped
# array, histograms and a gauge: sockex1 counts in this test's namespace,
# t_gauge keeps the time of each process's last getppid().
load_backends() {
	netns_create
	run -0 in_ns "$LOADER" load sockex1.o sockex1_classic.o --pin-root "$ROOT"
	run -0 "$LOADER" load bitehist.o runqlat.o syscount.o "$TOBJ/t_gauge.o" --pin-root "$ROOT"
}

# UDP packets in the namespace, 4 KiB I/Os on the loop device, a getppid().
traffic() {
	in_ns "$HELPERS/udpsend" 127.0.0.1 9999 37 64
	dd if=/dev/zero of="$LOOPDEV" bs=4096 count=256 oflag=direct status=none
	"$PY" -c 'import os; os.getppid()'
}

@test "every query of the printed dashboard returns data from a real Prometheus after traffic" {
	require_loop_devices
	require_writable_procsys kernel/bpf_stats_enabled
	load_backends
	"$EXPORTER" --pin-root "$ROOT" --grafana-dashboard >"$TMP/dash.json"
	loop_create 8
	# Traffic before the first scrape makes the series (an array slot is
	# exported once it is not 0), traffic after it makes their rates.
	traffic
	stats_on
	exporter_start
	prom_scrape_exporter
	wait_until 20 promql_data "$PROM_QUERY" 'ebpf_sockex1_proto_stats_packets_total{proto="udp"}'
	wait_until 20 promql_data "$PROM_QUERY" 'ebpf_bitehist_io_size_bytes_count > 0'
	traffic
	local expr q n=0
	while IFS= read -r expr; do
		q=$(concrete "$expr")
		echo "query: $q"
		n=$((n + 1))
		if [[ "$q" == *_exporter_* || "$q" == *_prog_run_* ]]; then
			# The exporter's own families: present (errors and drops are 0).
			wait_until 30 promql_data "$PROM_QUERY" "$q" || { cat "$TMP/answer"; return 1; }
		else
			# The backends': real numbers from the traffic, not 0 or NaN.
			wait_until 30 promql_positive "$PROM_QUERY" "$q" || { cat "$TMP/answer"; return 1; }
		fi
	done < <(dashboard_exprs "$TMP/dash.json")
	# The Instance variable's values: the instance label of a family served.
	run -0 jq -r '.templating.list[] | select(.name == "instance") | .query.query' "$TMP/dash.json"
	[[ "$output" =~ ^label_values\(([a-z_]+),\ instance\)$ ]]
	wait_until 10 promql_data "$PROM_QUERY" "count by (instance) (${BASH_REMATCH[1]})"
	echo "$n queries"
	# Each backend's families are queried: 2 sockex1 fields, the classic
	# array, 2 histograms x 4 queries, 2 syscount maps, the gauge, 6 of the
	# exporter.
	[ "$n" -eq 20 ]
}

@test "the dashboard has the fields Grafana's dashboard model needs" {
	load_backends
	"$EXPORTER" --pin-root "$ROOT" --grafana-dashboard >"$TMP/dash.json"
	run -0 jq -e '
		(.title | type == "string" and length > 0)
		and (.uid | type == "string" and length > 0 and length <= 40)
		and (.schemaVersion | type == "number" and . >= 36)
		and (.time.from | type == "string") and (.time.to | type == "string")
		and (.templating.list | any(.name == "datasource" and .type == "datasource" and .query == "prometheus"))
		and (.templating.list | any(.name == "instance" and .type == "query"
			and .datasource.uid == "${datasource}" and (.query.query | startswith("label_values("))))
		and ([.panels[].id] | length == (unique | length))
		and ([.panels[] | [.gridPos.x, .gridPos.y]] | length == (unique | length))
		and all(.panels[]; (.id | type == "number") and (.type | type == "string")
			and (.title | type == "string" and length > 0)
			and (.gridPos | .h > 0 and .w > 0 and .x >= 0 and .x + .w <= 24 and .y >= 0))
		and all(.panels[] | select(.type != "row");
			(.type == "timeseries" or .type == "heatmap")
			and .datasource.type == "prometheus" and .datasource.uid == "${datasource}"
			and (.fieldConfig.defaults.unit | type == "string")
			and (.targets | length > 0)
			and ([.targets[].refId] | length == (unique | length))
			and all(.targets[]; (.expr | type == "string" and length > 0)
				and (.refId | length > 0) and .datasource.uid == "${datasource}"))
		and all(.panels[] | select(.type == "heatmap");
			.options.calculate == false and all(.targets[]; .format == "heatmap"))
		and ([.panels[] | select(.type == "row") | .title]
			== ["bitehist", "runqlat", "sockex1", "sockex1_classic", "syscount", "t_gauge", "ebpf-exporter"])
		and ([.panels[] | select(.type == "heatmap")] | length == 2)
		and ([.panels[] | .targets[]? | .expr | select(startswith("histogram_quantile(0.99, "))] | length == 2)
		and ([.panels[] | .targets[]? | .expr | select(startswith("topk(10, sum by (proto) (rate("))] | length == 2)
		and ([.panels[] | .targets[]? | .expr | select(startswith("topk(10, sum by (pid) (ebpf_t_gauge_last_getppid_seconds{"))] | length == 1)
	' "$TMP/dash.json"
	# The only variables the queries use: the instance and Grafana's rate window.
	dashboard_exprs "$TMP/dash.json" >"$TMP/exprs"
	run -0 grep -o '\$[_a-z]*' "$TMP/exprs"
	[ "$(sort -u <<<"$output" | tr '\n' ' ')" = '$__rate_interval $instance ' ]
}

@test "every family and label the dashboard queries is one the exporter serves, with the type its query expects" {
	require_writable_procsys kernel/bpf_stats_enabled
	load_backends
	"$EXPORTER" --pin-root "$ROOT" --prefix dash --grafana-dashboard >"$TMP/dash.json"
	in_ns "$HELPERS/udpsend" 127.0.0.1 9999 3 64
	"$PY" -c 'import os; os.getppid()'
	stats_on
	exporter_start --prefix dash
	scrape >"$TMP/m"
	cat >"$TMP/check.py" <<-'PY'
	import json, re, sys
	dash = json.load(open(sys.argv[1]))
	prefix = sys.argv[3]
	types, labels = {}, {}
	for line in open(sys.argv[2]):
	    if line.startswith("# TYPE "):
	        _, _, name, kind = line.split()
	        types[name] = kind
	    elif line.strip() and not line.startswith("#"):
	        m = re.match(r"([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? ", line)
	        found = re.findall(r'(?:^|,)([a-zA-Z_][a-zA-Z0-9_]*)="', m.group(3) or "")
	        labels.setdefault(m.group(1), set()).update(found)
	bad, n = [], 0
	for panel in dash["panels"]:
	    for t in panel.get("targets", []):
	        e = t["expr"]
	        for name in re.findall(r"\b(%s_[a-zA-Z0-9_]*)\{" % prefix, e):
	            n += 1
	            family, want = name, None
	            if name.endswith("_bucket"):
	                family, want = name[:-len("_bucket")], "histogram"
	            elif "rate(" + name in e:
	                want = "counter"
	            else:
	                want = "gauge"
	            if family not in types:
	                bad.append("%s: no such family in the scrape" % family)
	            elif types[family] != want and not (want == "gauge" and types[family] == "untyped"):
	                bad.append("%s: a %s, queried as a %s" % (family, types[family], want))
	            by = re.search(r"by \(([^)]*)\)", e)
	            for label in by.group(1).split(", ") if by else []:
	                # le is a histogram's; instance is Prometheus's, per target.
	                if label not in ("le", "instance") and label not in labels.get(name, ()):
	                    bad.append("%s: no label %s in the scrape" % (name, label))
	print("%d family references checked" % n)
	print("\n".join(bad))
	sys.exit(1 if bad or n < 20 else 0)
	PY
	run "$PY" "$TMP/check.py" "$TMP/dash.json" "$TMP/m" dash
	echo "$output"
	[ "$status" -eq 0 ]
}

@test "--grafana-dashboard follows the selectors, serves nothing, and fails when it cannot write" {
	load_backends
	run -0 "$EXPORTER" --help
	[[ "$output" == *"--grafana-dashboard"* ]]
	"$EXPORTER" --pin-root "$ROOT" --grafana-dashboard sockex1 >"$TMP/one.json"
	run -0 jq -r '[.panels[] | select(.type == "row") | .title] | join(" ")' "$TMP/one.json"
	[ "$output" = "sockex1 ebpf-exporter" ]
	# The same selection gives the same uid (an import replaces it); another, another.
	"$EXPORTER" --pin-root "$ROOT" --grafana-dashboard sockex1 >"$TMP/again.json"
	"$EXPORTER" --pin-root "$ROOT" --grafana-dashboard >"$TMP/all.json"
	run -0 jq -r .uid "$TMP/one.json" "$TMP/again.json" "$TMP/all.json"
	local uids=($output)
	[ "${uids[0]}" = "${uids[1]}" ] && [ "${uids[0]}" != "${uids[2]}" ]
	# It prints and exits without listening: a port an exporter holds is no obstacle.
	exporter_start sockex1
	run -0 "$EXPORTER" --pin-root "$ROOT" --listen "127.0.0.1:$PORT" --grafana-dashboard sockex1
	[ "$output" = "$(cat "$TMP/one.json")" ]
	run -1 "$EXPORTER" --pin-root "$ROOT" --grafana-dashboard nosuchbackend
	[ "$output" = "ebpf-exporter: no backend or map matches 'nosuchbackend' under $ROOT" ]
	run -1 sh -c '"$0" --pin-root "$1" --grafana-dashboard sockex1 >/dev/full' "$EXPORTER" "$ROOT"
	[ "$output" = "ebpf-exporter: standard output: No space left on device" ]
}
