"""Small readers for benches/soak.sh (so the shell script holds no inline Python).

    python report.py get FILE KEY        one value of a stats JSON file ('?' if absent)
    python report.py loki FILE           one line summing up benches/soak/loki.py's stats
    python report.py churn FILE          one line summing up benches/soak/churn.py's stats
    python report.py flap JSON-on-stdin  'firing' or 'resolved' from Alertmanager's /api/v2/alerts
    python report.py audit FILE LINES0 BYTES0 SHA0
        check an audit log: every line parses as JSON, the last line ends with a
        newline, and the first BYTES0 bytes still hash to SHA0 (what was there
        before the soak is unchanged). Prints one line; exit 1 on a problem.
"""

import hashlib
import json
import sys


def load(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return {}


def main(argv):
    what = argv[1]
    if what == 'get':
        print(load(argv[2]).get(argv[3], '?'))
    elif what == 'loki':
        d = load(argv[2])
        if not d:
            print('no stats')
            return 0
        print(f"{d['lines_sent']} lines in {d['frames_sent']} frames sent over {d['uptime_s']} s; "
              f"tails opened {d['tails_opened']}, closed {d['tails_closed']}; "
              f"sender at most {d['sender_behind_max_s']} s behind its schedule; requests {d['requests']}")
    elif what == 'churn':
        d = load(argv[2])
        if not d:
            print('no stats')
            return 0
        rate = d['patches_ok'] / d['uptime_s'] if d.get('uptime_s') else 0
        print(f"{d['patches_ok']} status patches ok over {d['uptime_s']} s ({rate:.1f}/s; {d['by_kind']}), "
              f"{d['patch_errors']} failed or skipped (last: {d['last_error']}); latency p50 "
              f"{d['latency_ms_p50_recent']} ms, p99 {d['latency_ms_p99_recent']} ms (last 1,000), "
              f"max {d['latency_ms_max']} ms")
    elif what == 'flap':
        try:
            alerts = json.load(sys.stdin)
        except ValueError:
            print('?')
            return 0
        print('firing' if alerts else 'resolved')
    elif what == 'audit':
        path, lines0, bytes0, sha0 = argv[2], int(argv[3]), int(argv[4]), argv[5]
        with open(path, 'rb') as f:
            data = f.read()
        problems = []
        if data and not data.endswith(b'\n'):
            problems.append('the last line has no newline (truncated)')
        lines = data.split(b'\n')
        if lines and lines[-1] == b'':
            lines.pop()
        for i, line in enumerate(lines, 1):
            try:
                json.loads(line)
            except ValueError as e:
                problems.append(f'line {i} does not parse ({e}): {line[:80]!r}')
        if hashlib.sha256(data[:bytes0]).hexdigest() != sha0:
            problems.append('the lines written before the soak changed')
        if problems:
            print('; '.join(problems[:5]))
            return 1
        print(f'{len(lines)} lines (was {lines0}), every line parses, the old ones unchanged')
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
