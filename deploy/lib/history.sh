# shellcheck shell=bash
# The history of a stack, read from its audit log (deploy.log): which versions went live and when, which ones a
# rollback left, which ones failed their health gate, and so where an argument-less rollback goes.

# deploy.log's events, oldest first, one a line: "TIME TAG EVENT". EVENT is live (a switch or an adoption put TAG
# in front of users), rolled-back-from (a rollback replaced TAG) or rejected (TAG failed its health gate). In a run
# that recovers (step=recover), the switch restarts the run's from= version; scripts before this file wrote the
# failed tag as its to=, so from= is read there.
history_events() {
  local log
  log="$(audit_log)"
  [[ -f "$log" ]] || return 0
  awk '
    function field(name,   i) {
      for (i = 1; i <= NF; i++) if (index($i, name "=") == 1) return substr($i, length(name) + 2)
      return ""
    }
    / step=lock / { recovering = 0 }
    / step=recover / && / result=started / { recovering = 1 }
    / step=(switch|adopt) / && / result=ok / { print $1, (recovering ? field("from") : field("to")), "live" }
    / step=health-gate / && / result=failed / && !recovering { print $1, field("to"), "rejected" }
    / action=rollback step=outcome / && / result=rolled-back / { print $1, field("from"), "rolled-back-from" }
  ' "$log"
}

# Names, tags and times each version went live, newest first.
live_history() {
  history_events | awk '$3 == "live" { print $1, $2 }' | tac
}

# What --list marks, one "TAG MARK" a line: rolled-back-from when a rollback replaced the tag's latest time live,
# rejected when it failed its health gate at least once.
history_marks() {
  history_events | awk '
    $3 == "live" { left[$2] = 0 }
    $3 == "rolled-back-from" { left[$2] = 1 }
    $3 == "rejected" { rejected[$2] = 1 }
    END {
      for (tag in left) if (left[tag]) print tag, "rolled-back-from"
      for (tag in rejected) print tag, "rejected"
    }'
}

# Where an argument-less rollback goes: the newest version that served before the live one ($LAST_GOOD) and was not
# rolled back from since (after deploy C and a rollback to B, the next one goes to A, not back to C). A host whose
# deploy.log knows nothing of .prev_good_tag (upgraded, or the log rotated) goes there. Empty: nowhere.
rollback_target() {
  history_events | awk -v live="$LAST_GOOD" -v prev="$PREV_GOOD" '
    { tag[NR] = $2; event[NR] = $3 }
    $3 == "live" { left[$2] = 0 }
    $3 == "rolled-back-from" { left[$2] = 1 }
    END {
      for (i = NR; i >= 1; i--) {
        if (event[i] == "live" && tag[i] != live && !left[tag[i]]) { print tag[i]; exit }
      }
      if (prev != "" && prev != live && !(prev in left)) print prev
    }'
}
