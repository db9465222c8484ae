#!/usr/bin/env bash
# The logic of qgate's GitHub Action (action.yml), kept in a script so that it can be run and tested outside
# GitHub. It runs `qgate check` with annotations on stdout, a SARIF file, a markdown job summary and a text
# report in a collapsed log group, then writes the step outputs.
#
# Environment (set by action.yml from its inputs; GitHub sets the rest):
#   QGATE                 the qgate command (default: qgate)
#   INPUT_BASE            reference: a branch name ("main" means origin/main), a full commit sha, or origin/...
#                         or refs/...; empty (or all zeros): qgate's own resolution (new_code.reference, ...)
#   INPUT_ARGS            extra arguments for `qgate check`, split like a shell command line (no expansion)
#   INPUT_SARIF           where to write the SARIF report (default: $RUNNER_TEMP/qgate.sarif)
#   INPUT_FAIL_ON_GATE    "true" (default): exit 1 when the gate fails; "false": report only. An error
#                         (exit 2: bad config, a scanner that cannot run) always fails the step.
#   GITHUB_OUTPUT, GITHUB_STEP_SUMMARY, RUNNER_TEMP
# Outputs: gate-status (passed|failed|error), exit-code, sarif (the SARIF path, empty when none was written).
set -uo pipefail

qgate=${QGATE:-qgate}
base=${INPUT_BASE:-}
fail_on_gate=${INPUT_FAIL_ON_GATE:-true}
tmp=${RUNNER_TEMP:-${TMPDIR:-/tmp}}
sarif=${INPUT_SARIF:-$tmp/qgate.sarif}
workdir=$(mktemp -d "$tmp/qgate.XXXXXX") || exit 2
trap 'rm -rf "$workdir"' EXIT
summary_md=$workdir/summary.md
text_report=$workdir/report.txt

case "$fail_on_gate" in
  true | false) ;;
  *)
    echo "::error title=qgate::input fail-on-gate must be true or false, not '$fail_on_gate'"
    exit 2
    ;;
esac

# Split INPUT_ARGS with shell quoting rules but without any expansion or command substitution.
extra=()
if [[ -n "${INPUT_ARGS:-}" ]]; then
  python=$(command -v python3 || command -v python) || {
    echo "::error title=qgate::python is needed to read the args input"
    exit 2
  }
  "$python" -c 'import shlex, sys; sys.stdout.write("".join(a + "\0" for a in shlex.split(sys.argv[1])))' \
    "$INPUT_ARGS" >"$workdir/args" || {
    echo "::error title=qgate::cannot parse the args input: $INPUT_ARGS"
    exit 2
  }
  while IFS= read -r -d '' word; do
    extra+=("$word")
  done <"$workdir/args"
fi

qgate_args=(check --format github --report "sarif=$sarif" --report "markdown=$summary_md" --report "text=$text_report")
if [[ "$base" =~ ^0+$ ]]; then
  base="" # github.event.before of a push that created the branch: no previous commit
fi
if [[ -n "$base" ]]; then
  if [[ "$base" =~ ^([0-9a-fA-F]{40}|[0-9a-fA-F]{64})$ || "$base" == origin/* || "$base" == refs/* ]]; then
    ref=$base # a commit (e.g. github.event.before on a push) or an explicit remote ref
  else
    ref=origin/$base # a branch name, e.g. github.base_ref on a pull request
  fi
  qgate_args+=(--base "$ref")
fi
qgate_args+=(${extra[@]+"${extra[@]}"})

rm -f "$sarif"
echo "qgate: $qgate ${qgate_args[*]}" >&2
"$qgate" "${qgate_args[@]}"
code=$?

case "$code" in
  0) status=passed ;;
  1) status=failed ;;
  *) status=error ;;
esac

if [[ -s "$text_report" ]]; then
  echo "::group::qgate report ($status)"
  cat "$text_report"
  echo "::endgroup::"
fi
if [[ -n "${GITHUB_STEP_SUMMARY:-}" && -s "$summary_md" ]]; then
  cat "$summary_md" >>"$GITHUB_STEP_SUMMARY"
fi
written_sarif=""
if [[ -s "$sarif" ]]; then
  written_sarif=$sarif
fi
if [[ -n "${GITHUB_OUTPUT:-}" ]]; then
  {
    echo "gate-status=$status"
    echo "exit-code=$code"
    echo "sarif=$written_sarif"
  } >>"$GITHUB_OUTPUT"
fi

case "$status" in
  passed) echo "qgate: quality gate passed" ;;
  failed) echo "qgate: quality gate failed" ;;
  error) echo "qgate: error (exit code $code): see the messages above" ;;
esac

if [[ "$status" == error ]]; then
  exit "$code"
fi
if [[ "$status" == failed && "$fail_on_gate" == true ]]; then
  exit 1
fi
exit 0
