// LiveJsClientIT's page: drives /js/tidemark-live.js as a user's page would and records what its listeners see, so
// that the Java test can compare it with an oracle. Values cross to Java in a typed encoding (see encode()).
import * as live from '/js/tidemark-live.js';

// Counts the WebSocket messages the client receives (to see a big snapshot arrive in several messages).
const counts = { messages: 0, chars: 0 };
class CountingWebSocket extends WebSocket {
  constructor(...args) {
    super(...args);
    this.addEventListener('message', (e) => {
      counts.messages++;
      counts.chars += e.data.length;
    });
  }
}
globalThis.WebSocket = CountingWebSocket;

/** bigint {b}, Timestamp {t, us}, number {d}; strings, booleans and null as they are. */
function encode(v) {
  if (typeof v === 'bigint') {
    return { b: v.toString() };
  }
  if (v instanceof live.Timestamp) {
    return { t: v.toISOString(), us: v.epochMicros.toString() };
  }
  if (typeof v === 'number') {
    return { d: String(v) };
  }
  return v;
}

/**
 * A listener for every query of one connection, like the Java tests' LiveRecorder: rebuilds each result, checks the
 * order contract, keeps each result as of the last aggMarkEnd, and wakes waiters on every callback.
 */
class Recorder {
  constructor(marks) {
    this.marks = marks;
    this.results = new Map(); // queryId -> Map keyString -> {key, values}
    this.marked = new Map(); // the same, as of the last aggMarkEnd
    this.snapshots = {};
    this.snapshotEnds = {};
    this.errors = {};
    this.statuses = {};
    this.schemas = {};
    this.generations = [];
    this.violations = [];
    this.callbacks = {};
    this.open = null;
    this.merged = 0;
    this.abandoned = null;
    this.resetIn = new Set();
    this.registered = new Set(); // queries registered and not dropped
    this.snapshotted = new Set(); // queries whose snapshot ended on the current socket
    this.version = 0;
    this.waiters = [];
  }

  count(queryId) {
    this.callbacks[queryId] = (this.callbacks[queryId] || 0) + 1;
  }

  changed() {
    this.version++;
    const w = this.waiters;
    this.waiters = [];
    w.forEach((f) => f());
  }

  aggMarkBegin(g) {
    if (!this.marks) {
      this.violations.push(`aggMarkBegin(${g}) without AGG_MARK_END`);
    }
    this.abandoned = this.open;
    this.open = g;
    this.resetIn.clear();
    this.changed();
  }

  aggMarkEnd(g) {
    // After a reconnect the client merges the server's generations until every query has its new snapshot: the end
    // then carries the last one's number.
    if (this.open === null || g < this.open) {
      this.violations.push(`aggMarkEnd(${g}) closes ${this.open}`);
    }
    this.merged += g !== this.open ? 1 : 0;
    this.open = null;
    const all = [...this.results.keys()];
    if (this.abandoned !== null && !all.every((q) => this.resetIn.has(q))) {
      this.violations.push(`generation ${this.abandoned} abandoned, but ${g} did not restart every query`);
    }
    this.abandoned = null;
    if (this.reconnected && !all.every((q) => this.resetIn.has(q))) {
      this.violations.push(`generation ${g}, the first after a reconnect, did not restart every query`);
    }
    this.reconnected = false;
    for (const q of this.registered) {
      if (this.marks && !this.snapshotted.has(q)) {
        this.violations.push(`aggMarkEnd(${g}) before the snapshot of ${q} on this socket ended`);
      }
    }
    const last = this.generations[this.generations.length - 1];
    if (last !== undefined && g <= last && !all.every((q) => this.resetIn.has(q))) {
      this.violations.push(`generation ${g} does not increase (after ${last})`);
    }
    this.generations.push(g);
    this.marked = new Map([...this.results].map(([q, rows]) => [q, new Map(rows)]));
    this.changed();
  }

  data(query, f) {
    if (this.marks && this.open === null) {
      this.violations.push(`a data callback for ${query.id} outside a generation`);
    }
    this.count(query.id);
    f();
    this.changed();
  }

  snapshotBegin(schema, q) {
    this.data(q, () => {
      this.results.set(q.id, new Map());
      this.resetIn.add(q.id);
      this.schemas[q.id] = schema;
      this.snapshots[q.id] = (this.snapshots[q.id] || 0) + 1;
    });
  }

  tupleAdded(t, q) {
    this.data(q, () => {
      if (!this.results.has(q.id)) {
        this.violations.push(`tupleAdded before snapshotBegin for ${q.id}`);
        this.results.set(q.id, new Map());
      }
      this.results.get(q.id).set(t.keyString, t);
    });
  }

  tupleUpdated(t, q) {
    this.data(q, () => {
      const rows = this.results.get(q.id);
      if (!rows || !rows.has(t.keyString)) {
        this.violations.push(`update of a row never added: ${q.id} ${t.keyString}`);
      }
      rows.set(t.keyString, t);
    });
  }

  tupleRemoved(t, q) {
    this.data(q, () => {
      if (!this.results.get(q.id).delete(t.keyString)) {
        this.violations.push(`removal of a row never added: ${q.id} ${t.keyString}`);
      }
    });
  }

  snapshotEnd(q) {
    this.data(q, () => {
      this.snapshotEnds[q.id] = (this.snapshotEnds[q.id] || 0) + 1;
      this.snapshotted.add(q.id);
    });
  }

  queryStatus(status, q) {
    this.count(q.id);
    this.statuses[q.id] = status;
    this.changed();
  }

  exceptionRaised(error, q) {
    this.count(q.id);
    this.errors[q.id] = { code: error.code, message: error.message, status: error.status };
    this.registered.delete(q.id);
    this.changed();
  }

  /** Waits (at most timeoutMillis) for a version after `after`; resolves either way. */
  next(after, timeoutMillis) {
    if (this.version > after) {
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const t = setTimeout(resolve, timeoutMillis);
      this.waiters.push(() => {
        clearTimeout(t);
        resolve();
      });
    });
  }

  state() {
    const rows = (m) => Object.fromEntries([...m].map(([q, r]) => [q,
      [...r.values()].map((t) => ({ key: t.key.map(encode), values: t.values.map(encode) }))]));
    return {
      version: this.version,
      generations: this.generations.map(String),
      marked: rows(this.marked),
      current: this.marks ? {} : rows(this.results), // without marks the live rows are what to compare
      snapshots: this.snapshots,
      snapshotEnds: this.snapshotEnds,
      errors: this.errors,
      statuses: this.statuses,
      schemas: this.schemas,
      violations: this.violations,
      merged: this.merged,
      callbacks: this.callbacks,
    };
  }
}

const connections = {};
const recorders = {};
const queries = {};
const events = [];
const tables = {};

window.liveIt = {
  live,
  counts,
  events,
  /** Connects as `name`; resolves to null, or rejects with the client's error as {code, status, message}. */
  async connect(name, options) {
    const rec = new Recorder((options.capabilities || [live.AGG_MARK_END]).includes(live.AGG_MARK_END));
    recorders[name] = rec;
    const listener = {};
    for (const e of ['connected', 'reconnected', 'disconnected', 'connectionError']) {
      listener[e] = (info) => {
        events.push({ connection: name, event: e, code: info && info.code !== undefined ? String(info.code) : null });
        rec.reconnected = rec.reconnected || e === 'reconnected';
        if (e === 'reconnected') {
          rec.snapshotted.clear();
        }
        rec.changed();
      };
    }
    try {
      connections[name] = await live.connect({ ...options, listener });
      return null;
    } catch (e) {
      return { code: e.code, status: e.status, message: e.message, isLiveError: e instanceof live.TidemarkLiveError };
    }
  },
  register(name, queryId, sql, type) {
    queries[`${name}/${queryId}`] = connections[name].registerQuery(sql, type, recorders[name], { queryId });
    recorders[name].registered.add(queryId);
    recorders[name].snapshotted.delete(queryId);
  },
  unregister(name, queryId) {
    queries[`${name}/${queryId}`].unregister();
    recorders[name].registered.delete(queryId);
  },
  close(name) {
    connections[name].close();
  },
  connection(name) {
    return connections[name];
  },
  /**
   * A LiveTable for a query on connection `name`; each onUpdate records the generation, the change and the rows, so
   * that the test can check that all tables of a connection update together, once per generation.
   */
  table(name, queryId, sql) {
    const log = { generations: [], resets: 0, rows: [], changes: [] };
    tables[queryId] = log;
    const table = new live.LiveTable({
      onUpdate(t, change) {
        log.generations.push(String(change.generation));
        log.resets += change.reset ? 1 : 0;
        log.changes.push([change.added.size, change.updated.size, change.removed.size]);
        log.rows = [...t.rowsByKey.values()].map((r) => ({ key: r.key.map(encode), values: r.values.map(encode) }));
        log.columns = t.schema.columns.map((c) => c.name);
        log.objectRow = t.rows().length ? Object.keys(t.rows()[0]) : [];
        recorders[name].changed();
      },
      onError(t, e) {
        log.error = e.code;
        recorders[name].changed();
      },
    });
    connections[name].registerQuery(sql, live.QueryType.SNAPSHOT_AND_CONTINUOUS, table, { queryId });
  },
  tables() {
    return JSON.stringify(tables);
  },
  /** Value conversions and the lossless parse, both paths, on the inputs the server can send. */
  valueCases() {
    const show = (o) => JSON.stringify(o, (k, v) => (typeof v === 'bigint' ? `${v}n` : v));
    const text = '[{"s":"x\\"12345678901234567","a":9007199254740993,"b":-9223372036854775808,'
        + '"c":1.0E20,"d":12345678901234567.5,"e":42,"f":"\\u0000x","g":[9223372036854775807,-1]}]';
    const ts = (iso) => {
      const t = live.Timestamp.parse(iso);
      return `${t.epochMicros} ${t.toISOString()} ${t.epochMillis} ${t.microsOfSecond} ${t.toDate().toISOString()}`;
    };
    return {
      source: show(live.parseJson(text)),
      scanning: show(live.parseJsonScanning(text)),
      plain: show(live.parseJson('{"n":123456789012345,"x":1.5}')),
      epoch: ts('1970-01-01T00:00:00Z'),
      beforeEpoch: ts('1969-12-31T23:59:59.999999Z'),
      micros: ts('2025-01-01T00:00:00.000001Z'),
      tenths: ts('2025-06-30T12:34:56.5Z'),
      compare: String([live.Timestamp.parse('2025-01-01T00:00:00.000001Z').compareTo(
        live.Timestamp.parse('2025-01-01T00:00:00.000002Z')),
      live.Timestamp.parse('2025-01-01T00:00:00.000001Z') < live.Timestamp.parse('2025-01-01T00:00:00.000002Z'),
      live.Timestamp.fromEpochMicros(1n).equals(live.Timestamp.parse('1970-01-01T00:00:00.000001Z'))]),
      toValue: [live.toValue('BIGINT', 3), live.toValue('DOUBLE', 'NaN'), live.toValue('DOUBLE', '-Infinity'),
        live.toValue('BIGINT', null), live.toValue('VARCHAR', '7'), live.toValue('TIMESTAMP', '2025-01-01T00:00:00Z')]
        .map((v) => `${v === null ? 'null' : v instanceof live.Timestamp ? 'Timestamp' : typeof v}:${v}`).join(' '),
      keyString: live.keyString([live.Timestamp.parse('2025-01-01T00:00:00.000001Z'), 5n, 'a', null]),
    };
  },
  /** Waits for the next change of the recorder after `version` (at most timeoutMillis), then returns its state. */
  async next(name, version, timeoutMillis) {
    await recorders[name].next(version, timeoutMillis);
    return JSON.stringify(recorders[name].state());
  },
};
document.getElementById('status').textContent = 'ready';
