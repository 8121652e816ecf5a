#!/usr/bin/env bats
# The suite's own rules, checked on its own files (tests/*.bats and
# tests/lib.bash, new files included): an assertion that cannot fail is
# worse than none, and a test that passes by luck of timing is a flake.
# tests/WRITING.md says the same for people writing tests.
#
# 1. No bare `! cmd` as a command: Bats fails a test on it only on the
#    test's last line. Write `run ! cmd` or `run -N cmd`.
# 2. Every `run` checks its status. `run -N cmd` or `run ! cmd` does; a
#    plain `run cmd` must be followed by a status check as its next command
#    (`[ "$status" ...`, `[[ $status ...`, `(( status ...`), blank lines,
#    comments and `echo` diagnostics aside. Otherwise a failed precondition
#    shows up lines later as a puzzling assertion.
# 3. No `sleep` (shell or Python's time.sleep) unless the line, or the
#    comment line right above it, says `# not a wait: WHY`. Wait for a
#    condition with wait_until instead; a sleep that is the workload itself
#    (a process that must stay alive, a client that must be slow) says so.
# 4. No file cites "Issue N" or "must-hold N" (in any case) of a tracker
#    the repository does not have: a header or a test name says what is
#    tested.

bats_require_minimum_version 1.5.0

# Every test file and the shared setup, whoever adds them.
SUITE=("$BATS_TEST_DIRNAME"/*.bats "$BATS_TEST_DIRNAME/lib.bash")

# Rule 1: FILE:LINE of every bare negation. Comments and heredoc text are
# not commands.
lint_bare_negation() { # FILE...
	grep -nE '^[[:space:]]*![[:space:]]' "$@"
}

# Rule 2: FILE:LINE: TEXT of every `run` whose status goes unchecked.
lint_unchecked_run() { # FILE...
	awk '
	FNR == 1 { pending = 0; cont = 0; quoted = 0 }
	# A multi-line string (a program given to python or sh -c) opens
	# with a quote that ends a line and closes with one that starts a line.
	function quotes(s) { return gsub(/\047/, "", s) }
	{
		line = $0
		if (quoted) {                    # inside a multi-line string
			if (line ~ /^[[:space:]]*\047/) quoted = 0
			cont = (!quoted && line ~ /\\$/)
			next
		}
		if (cont) {                      # a continued command line
			cont = (line ~ /\\$/)
			next
		}
		if (pending) {
			if (line ~ /^[[:space:]]*(#|$)/) next
			if (line ~ /^[[:space:]]*echo[[:space:]]/) next
			if (line !~ /^[[:space:]]*(\[\[?[[:space:]]+"?\$\{?status|\(\([[:space:]]*status)/)
				print pfile ":" pline ": " ptext
			pending = 0
		}
		if (line ~ /^[[:space:]]*run[[:space:]]/) {
			n = split(line, w, /[[:space:]]+/)
			checked = 0
			for (i = 1; i <= n; i++) {
				if (w[i] == "" || w[i] == "run") continue
				if (w[i] == "!" || w[i] ~ /^-[0-9]+$/) { checked = 1; break }
				if (w[i] ~ /^--(separate-stderr|keep-empty-lines)$/) continue
				break
			}
			if (!checked) { pending = 1; pfile = FILENAME; pline = FNR; ptext = line }
		}
		quoted = (line ~ /\047$/ && quotes(line) % 2 == 1)
		cont = (!quoted && line ~ /\\$/)
	}
	END { if (pending) print pfile ":" pline ": " ptext }
	' "$@"
}

# Rule 4: FILE:LINE of every citation of an outside tracker.
lint_tracker_citation() { # FILE...
	grep -niE '(^|[^[:alnum:]])(issue [0-9]+|must-hold [0-9]+)' "$@"
}

# Rule 3: FILE:LINE: TEXT of every sleep without its reason.
lint_unmarked_sleep() { # FILE...
	awk '
	FNR == 1 { above = "" }
	{
		# The command (sleep N, sleep "$x") or the Python call; the word
		# in prose or in a longer name is neither.
		if ($0 !~ /^[[:space:]]*#/ &&
		    $0 ~ /((^|[[:space:];&|(])sleep[[:space:]]+["$0-9]|time\.sleep\()/ &&
		    $0 !~ /# not a wait: [^[:space:]]/ && above !~ /^[[:space:]]*# not a wait: [^[:space:]]/)
			print FILENAME ":" FNR ": " $0
		above = $0
	}' "$@"
}

@test "no test negates a command with a bare '!', which Bats never fails on (use run !)" {
	run lint_bare_negation "${SUITE[@]}"
	[ "$status" -eq 1 ] || { echo "$output"; false; }
}

@test "every run in the suite checks its status (run -N, run !, or a status test next)" {
	run -0 lint_unchecked_run "${SUITE[@]}"
	[ -z "$output" ] || { echo "$output"; false; }
}

@test "no sleep in the suite synchronises: each one says why it is not a wait" {
	run -0 lint_unmarked_sleep "${SUITE[@]}"
	[ -z "$output" ] || { echo "$output"; false; }
}

@test "no test file cites an issue tracker the repository does not have" {
	run lint_tracker_citation "${SUITE[@]}"
	[ "$status" -eq 1 ] || { echo "$output"; false; }
}

# The rules themselves can fail: each refuses what it should, and passes
# what it should (tests/lint/: text, not tests, so no rule reads it).
@test "the suite rules refuse a bare '!', an unchecked run, an unmarked sleep and a tracker citation, and accept their fixes" {
	local bad=$BATS_TEST_DIRNAME/lint/refused.txt good=$BATS_TEST_DIRNAME/lint/accepted.txt
	run -0 lint_bare_negation "$bad"
	[ "$output" = "4:	! false" ]
	run -0 lint_unchecked_run "$bad"
	[ "$(cut -d: -f2 <<<"$output" | tr '\n' ' ')" = "5 7 11 " ]
	run -0 lint_unmarked_sleep "$bad"
	[ "$(cut -d: -f2 <<<"$output" | tr '\n' ' ')" = "13 14 " ]
	run -1 lint_bare_negation "$good"
	run -0 lint_unchecked_run "$good"
	[ -z "$output" ]
	run -0 lint_unmarked_sleep "$good"
	[ -z "$output" ]
	run -0 lint_tracker_citation "$bad"
	[ "$(cut -d: -f1 <<<"$output" | tr '\n' ' ')" = "16 17 " ]
	run -1 lint_tracker_citation "$good"
}
