#!/usr/bin/env python3
"""Which threads of a JVM use the CPU, window by window, beside the latency of its answers.

  thread_cpu.py record PID SAMPLES.jsonl
      every 50 ms until PID ends: each thread's name, CPU ticks and nice value (/proc/PID/task), and the
      machine's /proc/stat line; start it right after `./byot bench pipeline --latency-log LAT.csv`.
  thread_cpu.py report LAT.csv SAMPLES.jsonl [WINDOW_MS]
      per window of answer time (default 10,000 ms): answers, p50/p99/max latency, answers of 100 ms or
      more, how busy the machine was, and the cores each group of threads used (JIT compiler, GC,
      inference task, learner, checkpoints, Kafka...). Thread names are the JVM's, cut to 15 characters.

docs/benchmarks.md ("JIT warm-up") shows what it found. Standard library only (Debian's python3).
"""
import collections
import csv
import json
import os
import sys
import time

GROUPS = [('C2 CompilerThre', 'JIT'), ('C1 CompilerThre', 'JIT'), ('G1', 'GC'), ('GC Thread', 'GC'),
          ('early-exit', 'inference'), ('fine-tune', 'learner task'), ('byot-learner', 'learner steps'),
          ('byot-model-swa', 'model swap'), ('AsyncOperation', 'checkpoint async'), ('Source', 'source'),
          ('kafka', 'kafka'), ('data-plane', 'kafka'), ('broker', 'kafka'), ('java', 'unnamed (OpenMP)')]


def record(pid, path):
    with open(path, 'w') as out:
        while os.path.exists(f'/proc/{pid}'):
            sample = {'t': time.time() * 1000, 'threads': {}}
            try:
                with open('/proc/stat') as f:
                    sample['cpu'] = [int(x) for x in f.readline().split()[1:]]
                for tid in os.listdir(f'/proc/{pid}/task'):
                    try:
                        with open(f'/proc/{pid}/task/{tid}/stat') as f:
                            stat = f.read()
                    except OSError:
                        continue   # the thread ended between listing and reading
                    name = stat[stat.index('(') + 1:stat.rindex(')')]
                    fields = stat[stat.rindex(')') + 2:].split()
                    sample['threads'][tid] = (name, int(fields[11]) + int(fields[12]), int(fields[16]))
            except OSError:
                break
            out.write(json.dumps(sample) + '\n')
            time.sleep(0.05)


def group(name, nice):
    label = next((g for prefix, g in GROUPS if name.startswith(prefix)), 'other')
    return label if nice == 0 else f'{label} (nice {nice})'


def report(latency_csv, samples_path, window_ms=10000.0):
    with open(latency_csv) as f:
        rows = [(int(r['event_time_ms']), int(r['latency_ms'])) for r in csv.DictReader(f)]
    start = min(t for t, _ in rows)
    answers = collections.defaultdict(list)
    for t, ms in rows:
        answers[int((t + ms - start) // window_ms)].append(ms)
    first_sample = {}
    with open(samples_path) as f:
        for line in f:
            s = json.loads(line)
            first_sample.setdefault(int((s['t'] - start) // window_ms), s)
    tick = os.sysconf('SC_CLK_TCK')
    for w in sorted(answers):
        lat = sorted(answers[w])
        line = (f'{w * window_ms / 1000:7.1f} s  answers {len(lat):5d}  p50 {lat[len(lat) // 2]:4d}  '
                f'p99 {lat[int(0.99 * len(lat))]:4d}  max {lat[-1]:4d}  >=100ms {sum(1 for x in lat if x >= 100):4d}')
        a, b = first_sample.get(w), first_sample.get(w + 1)
        if a and b:
            seconds = (b['t'] - a['t']) / 1000
            total = sum(b['cpu']) - sum(a['cpu'])
            idle = (b['cpu'][3] + b['cpu'][4]) - (a['cpu'][3] + a['cpu'][4])
            cores = collections.Counter()
            for tid, (name, ticks, nice) in b['threads'].items():
                before = a['threads'].get(tid, (name, 0, nice))[1]
                cores[group(name, nice)] += (ticks - before) / tick / seconds
            line += f'  | machine busy {1 - idle / max(total, 1):4.0%} | ' + ', '.join(
                f'{g} {c:.2f}' for g, c in cores.most_common(6) if c >= 0.03)
        print(line)


if __name__ == '__main__':
    if len(sys.argv) >= 4 and sys.argv[1] == 'record':
        record(sys.argv[2], sys.argv[3])
    elif len(sys.argv) >= 4 and sys.argv[1] == 'report':
        report(sys.argv[2], sys.argv[3], float(sys.argv[4]) if len(sys.argv) > 4 else 10000.0)
    else:
        sys.exit(__doc__)
