#!/usr/bin/env python3
"""Replays the late-data TRACE of one AbstractLateRaceIT case and checks it transaction by transaction.

Turn the trace on with a logback configuration such as

    <appender name="TRACE" class="ch.qos.logback.core.FileAppender">
      <file>/tmp/late-trace.log</file><append>false</append>
      <encoder><pattern>%d{HH:mm:ss.SSS} [%thread] %msg%n</pattern></encoder>
    </appender>
    <logger name="io.tidemark.store.jdbc.LateData" level="TRACE" additivity="false"><appender-ref ref="TRACE"/></logger>

passed with -Dlogback.configurationFile=..., run one case (-Dtest.seed=N) on DuckDB, then:

    python3 replay_late_trace.py /tmp/late-trace.log

It keeps the stale ranges of m1 and s5 and the raw keys as the committed transactions left them (a transaction
whose lines end without "committed:" rolled back) and reports every place where the store disagreed:
  - a writer's dependants or a recompute's consume read other ranges than the committed state (a stale cache or
    snapshot);
  - after a write committed, a changed late sample's bucket is not covered by a stale range;
  - a write reports fewer changed samples than it has late ones (in this test a re-send draws a new value, so fewer
    means an earlier failed attempt left rows behind -- or, about once in 10^5 re-sends, the draw repeated the stored
    value: check with the writer's Random before suspecting the store);
  - an aggregate or recompute inserted another number of (bucket, rtId) groups than the committed raw keys make.
Only for DuckDB (one writer at a time, so the trace is the commit order) and one store per trace.
"""

import re, sys
RANGE = re.compile(r'\[([^\[\],\s]+), ([^\[\],\s]+)\)')
def ranges(text):
    return [(a, b) for a, b in RANGE.findall(text)]
state = {}   # rollup -> set of spans
raw = set()  # (micros, rtId) committed
from datetime import datetime, timezone
def micros(iso):
    d = datetime.fromisoformat(iso.replace('Z', '+00:00'))
    return int((d - datetime(1970, 1, 1, tzinfo=timezone.utc)).total_seconds() * 1_000_000)
WIDTH = {'m1': 60_000_000, 's5': 5_000_000}
anomalies = 0
checked_rows = [0]
tx = None    # (thread, kind, ops[], reads[])
def apply(ops):
    for op in ops:
        kind, r, a, b = op
        if kind == 'mark':
            st = state.setdefault(r, set())
            for g in a: st.discard(g)
            for f in b: st.add(f)
        elif kind == 'consume':
            frm, to = a
            st = state.setdefault(r, set())
            new = set()
            for (x, y) in st:
                if not (x < to and y > frm):
                    new.add((x, y)); continue
                if x < frm: new.add((x, frm))
                if y > to: new.add((to, y))
            state[r] = new
def check(line_no, what, r, seen):
    global anomalies
    exp = state.get(r, set())
    if set(seen) != exp:
        anomalies += 1
        if anomalies <= 20:
            print(f"line {line_no}: {what} {r}: read {len(seen)} expected {len(exp)}; missing {sorted(exp - set(seen))[:4]} extra {sorted(set(seen) - exp)[:4]}")
lines = open(sys.argv[1], errors='replace').read().splitlines()
for n, line in enumerate(lines, 1):
    m = re.match(r'\S+ \[([^\]]+)\] (.*)', line)
    if not m: continue
    thread, msg = m.groups()
    starts = msg.startswith('write ') or msg.startswith('aggregate ') or msg.startswith('recompute ')
    if starts or (tx and tx[0] != thread):
        tx = [thread, msg.split(' ')[0], []]
    if msg.startswith('samples '):
        smp = [(int(x.split('@')[1]), x.split('@')[0]) for x in msg[8:].split()]
        tx.append(('samples', smp))
        wl = [e for e in tx[3:] if e[0] == 'cover']
        if wl and wl[0][4] is not None:
            late = sum(1 for ts, r in smp if ts < wl[0][4])
            if late != len(wl[0][1]):
                anomalies += 1
                print(f"line {n}: write with {late} late samples reports {len(wl[0][1])} changed")
        continue
    rm = re.match(r'(recompute|aggregate) (\w+) \[(\S+), (\S+)\)(?: watermark \S+)?: (\d+) rows', msg)
    if rm and rm.group(2) in WIDTH:
        kind, name, frm, to, rows = rm.groups()
        f, t, w = micros(frm), micros(to), WIDTH[name]
        groups = {(ts - ts % w, r) for ts, r in raw if f <= ts < t}
        if len(groups) != int(rows):
            anomalies += 1
            print(f"line {n}: {kind} {name} [{frm}, {to}) inserted {rows} groups, committed raw has {len(groups)}")
        checked_rows[0] += 1
    if msg.startswith('write ') and ', samples ' in msg:
        msg, smp_txt = msg.split(', samples ', 1)
        tx_samples = [(int(x.split('@')[1]), x.split('@')[0]) for x in smp_txt.split()]
    else:
        tx_samples = None
    if msg.startswith('write '):
        ch = re.search(r'changed \[([^\]]*)\]', msg).group(1)
        tss = [t.strip() for t in ch.split(',') if t.strip()]
        pu = {}
        for part in msg[msg.index('dependants '):].split('Dependant[name=')[1:]:
            pu[part.split(',')[0]] = re.search(r'protectedUntil=([^,]+),', part).group(1)
        bm = re.search(r': bound (\S+),', msg).group(1)
        tx.append(('cover', tss, pu, n, None if bm == 'null' else micros(bm)))
        if tx_samples is not None:
            tx.append(('samples', tx_samples))
            b = tx[3][4]
            if b is not None:
                late = sum(1 for ts, r in tx_samples if ts < b)
                if late != len(tss):
                    anomalies += 1
                    print(f"line {n}: write with {late} late samples reports {len(tss)} changed")
        # dependants [...]: check m1/s5 reads
        i = msg.index('dependants ')
        deps = msg[i+len('dependants '):]
        for part in deps.split('Dependant[name=')[1:]:
            name = part.split(',')[0]
            j = part.index('stale=')
            lst = part[j+6:part.index('], watermark')]
            check(n, 'write read', name, ranges(lst))
    elif msg.startswith('mark '):
        name = msg.split(' ')[1].rstrip(':')
        g = msg.index(' -> gone ')
        fi = msg.index(' fresh ', g)
        gone_txt = msg[g+9:fi]
        fresh_txt = msg[fi+7:]
        if name in ('m1', 's5'):
            tx[2].append(('mark', name, ranges(gone_txt), ranges(fresh_txt)))
    elif msg.startswith('consume '):
        mm = re.match(r'consume (\w+) \[(\S+), (\S+)\) from (.*)', msg)
        name, frm, to, lst = mm.groups()
        if name in ('m1', 's5'):
            check(n, 'consume read', name, ranges(lst))
            tx[2].append(('consume', name, (frm, to), None))
    elif msg.startswith('committed: '):
        if tx and tx[0] == thread:
            apply(tx[2])
            for extra in tx[3:]:
                if extra[0] == 'samples':
                    raw.update(extra[1])
            covers = [e for e in tx[3:] if e[0] == 'cover']
            if covers:
                _, tss, pu, wn, _b = covers[0]
                for name, width in (('m1', 60), ('s5', 5)):
                    if pu.get(name) in (None, 'null'): continue
                    for t in tss:
                        norm = lambda x: x[:-1] + ('' if '.' in x else '.000000')
                        if norm(t) >= norm(pu[name]): continue
                        secs = int(t[17:19]); mins = t[:17]
                        fl = mins + '%02d' % (secs - secs % width) + 'Z' if width < 60 else mins + '00Z'
                        if not any(a <= fl < b for a, b in state.get(name, ())):
                            anomalies += 1
                            print(f"line {wn}: {name} bucket {fl} of a changed sample not covered after commit")
        tx = None
print(f"{sys.argv[1]}: {checked_rows[0]} row counts checked, {anomalies} anomalies, final m1 {len(state.get('m1', ()))} ranges, s5 {len(state.get('s5', ()))}")
