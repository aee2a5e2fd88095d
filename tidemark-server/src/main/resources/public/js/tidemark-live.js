/**
 * Tidemark live client for browsers: an ES module, no dependencies, no build step.
 *
 *   import { connect, LiveTable } from '/js/tidemark-live.js';
 *
 * Speaks docs/live-protocol.md (protocol 1) over one WebSocket, with the shape of the Java client
 * (io.tidemark.client.Connection): connect with a token and capabilities, registerQuery(sql, type, listener) returning
 * a handle with unregister(), listener callbacks framed by aggMarkBegin / aggMarkEnd, heartbeats, and reconnects with
 * backoff that register every query again (each restarts with snapshotBegin).
 *
 * Threading: the browser's one thread. Every callback runs synchronously inside the socket's message handler, in the
 * order the server sent the frames; no data callback runs between aggMarkEnd and the next aggMarkBegin. A listener
 * that throws loses only its own callback (the error goes to console.error).
 *
 * Values (decided here, documented in docs/live-protocol.md, "JavaScript client"):
 *   BIGINT    -> BigInt, always (exact beyond 2^53; one type per column, so code tested on small counts does not
 *                break when a value grows)
 *   DOUBLE    -> number (the server's "NaN" / "Infinity" / "-Infinity" strings become those numbers)
 *   TIMESTAMP -> Timestamp (exact epoch microseconds as a BigInt, plus toDate(), epochMillis, toISOString())
 *   VARCHAR   -> string, BOOLEAN -> boolean, SQL NULL -> null
 */

export const PROTOCOL_VERSION = 1;
/** The capability of clients that want generations framed by aggMarkBegin / aggMarkEnd (the default). */
export const AGG_MARK_END = 'AGG_MARK_END';
export const LIVE_PATH = '/api/v1/live';
/** The WebSocket subprotocol offered first; the server selects it. */
export const SUBPROTOCOL = 'tidemark.live';
/** The token travels as the subprotocol TOKEN_SUBPROTOCOL_PREFIX + token (never selected, so never echoed). */
export const TOKEN_SUBPROTOCOL_PREFIX = 'tidemark.bearer.';
/** RFC 6455 subprotocol names are HTTP tokens; a token outside this alphabet is sent as ?access_token= instead. */
const TOKEN_AS_SUBPROTOCOL = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/;

/** Query types, as the protocol spells them. */
export const QueryType = Object.freeze({
  SNAPSHOT: 'SNAPSHOT',
  SNAPSHOT_AND_CONTINUOUS: 'SNAPSHOT_AND_CONTINUOUS',
  CONTINUOUS_ONLY: 'CONTINUOUS_ONLY',
});

/** Server generations one delivered generation may merge while it waits for snapshots (see Connection._markEnd). */
const MAX_MERGED = 100;

const DEFAULTS = Object.freeze({
  capabilities: [AGG_MARK_END],
  heartbeatIntervalMillis: 10_000,
  reconnectInitialMillis: 100,
  reconnectMaxMillis: 10_000,
  connectTimeoutMillis: 10_000,
  agent: 'tidemark-js/0.1',
});

/** Close codes after which the client does not reconnect (docs/live-protocol.md, "Heartbeats and close codes"). */
const FINAL_CLOSES = Object.freeze({
  1000: 'CLOSED',
  4400: 'UNSUPPORTED_VERSION',
  4401: 'TOKEN_REVOKED',
});

/**
 * An error of the live client or the server. `code` is stable: the server's code (INVALID_QUERY, NOT_FOUND,
 * UNKNOWN_COLUMN, ALREADY_EXISTS, INVALID_ARGUMENT, INTERNAL, HEARTBEAT_TIMEOUT …) or the client's own:
 * UNAUTHENTICATED (401), FORBIDDEN (403), TOKEN_REVOKED (close 4401), UNSUPPORTED_VERSION (4400),
 * CLOSED (the connection was closed), TRANSPORT (the server could not be reached).
 */
export class TidemarkLiveError extends Error {
  constructor(code, message, status = 0) {
    super(`${code}: ${message}`);
    this.name = 'TidemarkLiveError';
    this.code = code;
    this.status = status;
    this.detail = message;
  }
}

// ---- values -----------------------------------------------------------------------------------------------------

const MICROS_PER_SECOND = 1_000_000n;
const ISO = /^([+-]?\d{4,})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?Z$/;

/**
 * A TIMESTAMP value: an instant in UTC with microsecond precision, immutable. `Date` keeps only milliseconds, so the
 * exact value is `epochMicros` (a BigInt); `toDate()` and `epochMillis` are for display and charts.
 * `valueOf()` is the epoch microseconds as a number (exact until the year 2255), so `a < b` and `a - b` work.
 */
export class Timestamp {
  constructor(epochMicros) {
    if (typeof epochMicros !== 'bigint') {
      throw new TypeError(`Timestamp needs epoch microseconds as a BigInt, not ${typeof epochMicros}`);
    }
    this.epochMicros = epochMicros;
    Object.freeze(this);
  }

  /**
   * From an ISO-8601 instant in UTC as the server sends it ("2025-01-01T00:00:00.000001Z"); digits past the
   * microseconds are dropped (the server sends none).
   */
  static parse(text) {
    const m = ISO.exec(text);
    if (!m) {
      throw new TidemarkLiveError('INVALID_VALUE', `not an ISO-8601 UTC timestamp: ${JSON.stringify(text)}`);
    }
    const day = new Date(0);
    day.setUTCFullYear(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
    const seconds = BigInt(day.getTime() / 1000) + BigInt(Number(m[4]) * 3600 + Number(m[5]) * 60 + Number(m[6] || 0));
    const micros = BigInt(((m[7] || '') + '000000').slice(0, 6));
    return new Timestamp(seconds * MICROS_PER_SECOND + micros);
  }

  static fromEpochMicros(micros) {
    return new Timestamp(BigInt(micros));
  }

  static fromDate(date) {
    return new Timestamp(BigInt(date.getTime()) * 1000n);
  }

  /** Milliseconds since the epoch, rounded down (a number, as `Date` uses). */
  get epochMillis() {
    return Number(floorDiv(this.epochMicros, 1000n));
  }

  /** The microseconds within the second, 0–999,999. */
  get microsOfSecond() {
    return Number(this.epochMicros - floorDiv(this.epochMicros, MICROS_PER_SECOND) * MICROS_PER_SECOND);
  }

  /** A `Date` (millisecond precision: the microseconds are dropped). */
  toDate() {
    return new Date(this.epochMillis);
  }

  /** ISO-8601 in UTC with exactly six fraction digits: "2025-01-01T00:00:00.000001Z". */
  toISOString() {
    const seconds = floorDiv(this.epochMicros, MICROS_PER_SECOND);
    const iso = new Date(Number(seconds) * 1000).toISOString(); // "…T00:00:00.000Z"
    return `${iso.slice(0, iso.length - 5)}.${String(this.microsOfSecond).padStart(6, '0')}Z`;
  }

  toString() {
    return this.toISOString();
  }

  toJSON() {
    return this.toISOString();
  }

  valueOf() {
    return Number(this.epochMicros);
  }

  equals(other) {
    return other instanceof Timestamp && other.epochMicros === this.epochMicros;
  }

  compareTo(other) {
    return this.epochMicros < other.epochMicros ? -1 : this.epochMicros > other.epochMicros ? 1 : 0;
  }
}

function floorDiv(a, b) {
  const q = a / b;
  return a % b !== 0n && (a < 0n) !== (b < 0n) ? q - 1n : q;
}

/** Converts one wire value to the JavaScript value of its column type (see the module comment). */
export function toValue(type, v) {
  if (v === null || v === undefined) {
    return null;
  }
  switch (type) {
    case 'BIGINT':
      return typeof v === 'bigint' ? v : typeof v === 'number' && Number.isInteger(v) ? BigInt(v) : v;
    case 'DOUBLE':
      return typeof v === 'string' || typeof v === 'bigint' ? Number(v) : v;
    case 'TIMESTAMP':
      return typeof v === 'string' ? Timestamp.parse(v) : v;
    default:
      return v;
  }
}

/** A stable string for a row key (for Map keys): BigInt and Timestamp as their exact text. */
export function keyString(key) {
  return JSON.stringify(key, (k, v) => (typeof v === 'bigint' ? `${v}` : v));
}

// ---- lossless JSON ----------------------------------------------------------------------------------------------

/** Whether JSON.parse hands revivers the source text of numbers (Chromium 114+, Firefox 135+, Safari 18.4+). */
const SOURCE_TEXT = (() => {
  try {
    return JSON.parse('1', (k, v, context) => context !== undefined && context.source === '1') === true;
  } catch (e) {
    return false;
  }
})();

/** Integer literals of 16 or more digits may be beyond 2^53; without them plain JSON.parse is exact and fastest. */
const LONG_DIGITS = /\d{16}/;
const BIG_MARK = '\u0000tidemark-bigint:';
const BIG_MARK_JSON = '\\u0000tidemark-bigint:'; // the same, escaped inside a JSON string

/**
 * JSON.parse that never rounds an integer: integer literals outside Number's safe range become BigInt, every other
 * number stays a number. Uses the reviver's source text where the engine has it, else quotes long integer literals
 * before parsing (a scan that skips strings).
 */
export function parseJson(text) {
  if (!LONG_DIGITS.test(text)) {
    return JSON.parse(text);
  }
  if (SOURCE_TEXT) {
    return JSON.parse(text, (k, v, context) => (typeof v === 'number' && !Number.isSafeInteger(v)
        && context && /^-?\d+$/.test(context.source) ? BigInt(context.source) : v));
  }
  return parseJsonScanning(text);
}

/** parseJson's path for engines without the reviver's source text; exported so that tests can run it anywhere. */
export function parseJsonScanning(text) {
  return JSON.parse(quoteLongIntegers(text), (k, v) => (typeof v === 'string' && v.startsWith(BIG_MARK)
      ? BigInt(v.slice(BIG_MARK.length)) : v));
}

function quoteLongIntegers(text) {
  let out = '';
  let from = 0;
  let i = 0;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c === 34) { // a string: skip to its closing quote
      i++;
      while (i < text.length && text.charCodeAt(i) !== 34) {
        i += text.charCodeAt(i) === 92 ? 2 : 1;
      }
      i++;
      continue;
    }
    if (c !== 45 && (c < 48 || c > 57)) {
      i++;
      continue;
    }
    let end = i + 1;
    while (end < text.length && /[0-9.eE+-]/.test(text[end])) {
      end++;
    }
    const literal = text.slice(i, end);
    if (/^-?\d+$/.test(literal) && !Number.isSafeInteger(Number(literal))) {
      out += `${text.slice(from, i)}"${BIG_MARK_JSON}${literal}"`;
      from = end;
    }
    i = end;
  }
  return out + text.slice(from);
}

// ---- the connection ---------------------------------------------------------------------------------------------

/**
 * Connects and resolves once the server's hello arrived; rejects with a TidemarkLiveError when the first connection
 * fails (UNAUTHENTICATED, FORBIDDEN, UNSUPPORTED_VERSION, TRANSPORT) — no reconnect then, as the Java client's open.
 *
 * options:
 *   token                   the tenant token (browsers cannot set headers: sent as the WebSocket subprotocol
 *                           'tidemark.bearer.<token>' after 'tidemark.live', so it stays out of the URL)
 *   url                     the server, default this page's origin ("http://127.0.0.1:8080"; http→ws, https→wss)
 *   capabilities            default [AGG_MARK_END]; [] for frames without aggMarkBegin / aggMarkEnd
 *   heartbeatIntervalMillis ping period (default 10 s, at most a third of the server's heartbeatTimeoutMillis);
 *                           a socket silent for three periods is dropped and reconnected
 *   reconnectInitialMillis, reconnectMaxMillis   backoff, default 100 ms doubling to 10 s, with ±20 % jitter
 *   connectTimeoutMillis    bound of one connection attempt up to the server's hello (default 10 s)
 *   listener                connection events: { connected(info), reconnected(info), disconnected(event),
 *                           connectionError(error) } — every method optional
 */
export function connect(options = {}) {
  const connection = new Connection(options);
  return connection._start().then(() => connection);
}

/** A live connection; create it with connect(). */
export class Connection {
  constructor(options) {
    this.options = Object.freeze({ ...DEFAULTS, ...options });
    this._listener = options.listener || {};
    this._queries = new Map(); // queryId -> Query, in registration order
    this._socket = null;
    this._ready = false;
    this._closed = false;
    this._everReady = false;
    this._backoff = this.options.reconnectInitialMillis;
    this._timer = null;
    this._heartbeat = null;
    this._markListeners = [];
    this._generationOpen = false; // an aggMarkBegin was delivered and its aggMarkEnd not yet
    this._awaitingSnapshot = new Set(); // ids whose snapshot on this socket has not ended: aggMarkEnd waits for them
    this._merged = 0; // server generations merged into the open one while waiting
    this._ids = 0;
    this._first = null;
    this.tenant = null;
    this.serverCapabilities = [];
    this.heartbeatTimeoutMillis = 0;
    this.lastError = null;
  }

  /** Whether the socket is up and the server's hello arrived. */
  get connected() {
    return this._ready;
  }

  /**
   * Registers a live query; its snapshot arrives in the server's next generation, and again after every reconnect.
   * type: a QueryType (default SNAPSHOT_AND_CONTINUOUS). listener: an object with any of snapshotBegin(schema, query),
   * tupleAdded(tuple, query), tupleUpdated(tuple, query), tupleRemoved(tuple, query), snapshotEnd(query),
   * queryStatus(status, query), aggMarkBegin(generation), aggMarkEnd(generation), exceptionRaised(error, query).
   * options.queryId: the id (1–128 characters, unique on this connection), default "q1", "q2" …
   * Throws (synchronously) for a closed connection, a bad type or an id in use; a query the server refuses ends
   * with exceptionRaised (INVALID_QUERY with line and column, NOT_FOUND, UNKNOWN_COLUMN …).
   */
  registerQuery(sql, type, listener, options = {}) {
    if (this._closed) {
      throw new TidemarkLiveError('CLOSED', 'the connection is closed');
    }
    if (typeof sql !== 'string' || sql.trim() === '') {
      throw new TidemarkLiveError('INVALID_ARGUMENT', 'registerQuery needs the SQL text of a live query');
    }
    if (type !== null && typeof type === 'object') { // registerQuery(sql, listener[, options])
      return this.registerQuery(sql, null, type, listener || options);
    }
    const queryType = type || QueryType.SNAPSHOT_AND_CONTINUOUS;
    if (!Object.prototype.hasOwnProperty.call(QueryType, queryType)) {
      throw new TidemarkLiveError('INVALID_ARGUMENT', `unknown query type ${JSON.stringify(type)}; use one of `
          + Object.keys(QueryType).join(', '));
    }
    let id = options.queryId;
    if (id === undefined) {
      do {
        id = `q${++this._ids}`;
      } while (this._queries.has(id));
    }
    if (typeof id !== 'string' || id.length < 1 || id.length > 128) {
      throw new TidemarkLiveError('INVALID_ARGUMENT', 'a query id has 1 to 128 characters');
    }
    if (this._queries.has(id)) {
      throw new TidemarkLiveError('ALREADY_EXISTS', `query id '${id}' is already registered on this connection`);
    }
    const query = new Query(this, id, sql, queryType, listener || {});
    this._queries.set(id, query);
    if (this._ready) {
      this._expectSnapshot(query);
      this._send({ type: 'register', queryId: id, sql, queryType });
    }
    return query;
  }

  /** Closes the socket (1000) and forgets every query; no callback comes after it. Idempotent. */
  close() {
    if (this._closed) {
      return;
    }
    this._closed = true;
    this._queries.clear();
    this._stopTimers();
    const s = this._socket;
    this._socket = null;
    this._ready = false;
    if (s) {
      s.close(1000, 'bye');
    }
    if (this._first) {
      this._first.reject(new TidemarkLiveError('CLOSED', 'the connection was closed while connecting'));
    }
  }

  // ---- lifecycle ----

  _start() {
    return new Promise((resolve, reject) => {
      this._first = { resolve, reject };
      this._open();
    });
  }

  /** The server's URL with `path` appended to its path (a server behind a path prefix keeps the prefix). */
  _serverUrl(path) {
    const u = new URL(this.options.url || globalThis.location.origin);
    u.pathname = u.pathname.replace(/\/$/, '') + path;
    return u;
  }

  _liveUrl() {
    const base = this._serverUrl(LIVE_PATH);
    base.protocol = base.protocol === 'https:' ? 'wss:' : base.protocol === 'http:' ? 'ws:' : base.protocol;
    if (this.options.token && !TOKEN_AS_SUBPROTOCOL.test(this.options.token)) {
      base.searchParams.set('access_token', this.options.token);
    }
    return base;
  }

  /**
   * The subprotocols offered: 'tidemark.live' first (the server selects the first offered, so the token is never
   * echoed), then the token as 'tidemark.bearer.<token>' — out of the URL, so out of the browser's console and
   * history. A token that is not a valid subprotocol name goes in the URL instead (_liveUrl).
   */
  _subprotocols() {
    const token = this.options.token;
    return token && TOKEN_AS_SUBPROTOCOL.test(token) ? [SUBPROTOCOL, TOKEN_SUBPROTOCOL_PREFIX + token] : undefined;
  }

  _open() {
    if (this._closed) {
      return;
    }
    const url = this._liveUrl();
    let socket;
    try {
      const protocols = this._subprotocols();
      socket = protocols ? new WebSocket(url, protocols) : new WebSocket(url);
    } catch (e) { // a bad URL, or a content security policy that forbids it: no retry helps
      this._endForGood(new TidemarkLiveError('TRANSPORT', `cannot open ${redact(url)}: ${e.message}`), { code: 0,
        reason: e.message });
      return;
    }
    const state = { opened: false, lastHeard: Date.now(), ended: false };
    this._socket = socket;
    this._ready = false;
    const deadline = setTimeout(() => {
      if (socket === this._socket && !this._ready) {
        socket.close(4000, 'no hello in time');
        this._lost(socket, state, { code: 0, reason: `no hello within ${this.options.connectTimeoutMillis} ms` });
      }
    }, this.options.connectTimeoutMillis);
    socket.onopen = () => {
      state.opened = true;
      socket.send(JSON.stringify({ type: 'hello', protocol: PROTOCOL_VERSION,
        capabilities: [...this.options.capabilities], agent: this.options.agent }));
    };
    socket.onmessage = (event) => {
      if (socket !== this._socket) {
        return;
      }
      state.lastHeard = Date.now();
      this._message(socket, state, event.data, deadline);
    };
    socket.onclose = (event) => {
      clearTimeout(deadline);
      this._lost(socket, state, { code: event.code, reason: event.reason });
    };
    // onerror is always followed by onclose, which decides.
  }

  _message(socket, state, text, deadline) {
    let parsed;
    try {
      parsed = parseJson(text);
    } catch (e) {
      console.error(`tidemark live: the server sent a message that is not JSON: ${e}`);
      return;
    }
    const frames = Array.isArray(parsed) ? parsed : [parsed];
    for (const f of frames) {
      if (socket !== this._socket) {
        return; // closed or replaced by a callback
      }
      this._frame(socket, state, f, deadline);
    }
  }

  _frame(socket, state, f, deadline) {
    switch (f.type) {
      case 'hello':
        clearTimeout(deadline);
        this._hello(socket, state, f);
        return;
      case 'ping':
        this._send({ type: 'pong', nonce: f.nonce });
        return;
      case 'pong':
        return;
      case 'aggMarkBegin':
        this._markBegin(f.generation);
        return;
      case 'aggMarkEnd':
        this._markEnd(f.generation);
        return;
      case 'error':
        this.lastError = new TidemarkLiveError(f.code, f.message);
        call(this._listener, 'connectionError', this.lastError);
        return;
      default:
        this._queryFrame(f);
    }
  }

  /**
   * A generation begins; while one is held open for a snapshot (see _markEnd), the server's next generation continues
   * it, and only listeners of queries registered since get their aggMarkBegin.
   */
  _markBegin(generation) {
    const listeners = this._distinctListeners();
    if (!this._generationOpen) {
      this._generationOpen = true;
      this._markListeners = listeners;
      listeners.forEach((l) => call(l, 'aggMarkBegin', generation));
      return;
    }
    const added = listeners.filter((l) => !this._markListeners.includes(l));
    this._markListeners.push(...added);
    added.forEach((l) => call(l, 'aggMarkBegin', generation));
  }

  /**
   * A generation ends. While a query registered on this socket (after a reconnect: every query) has not finished its
   * snapshot, the end is held back and the server's next generation merged into this one, so that at every
   * aggMarkEnd the client delivers, every query shows the same generation — none still shows what it held before a
   * reconnect, or nothing yet. The end then carries the last merged generation's number. Bounded by MAX_MERGED.
   */
  _markEnd(generation) {
    if (this._awaitingSnapshot.size > 0 && this._merged < MAX_MERGED) {
      this._merged++;
      return;
    }
    if (this._awaitingSnapshot.size > 0) {
      console.warn(`tidemark live: no snapshot for ${[...this._awaitingSnapshot].join(', ')} after ${MAX_MERGED} `
          + 'generations; ending the generation without it');
      this._awaitingSnapshot.clear();
    }
    const listeners = this._markListeners;
    this._markListeners = [];
    this._generationOpen = false;
    this._merged = 0;
    listeners.forEach((l) => call(l, 'aggMarkEnd', generation));
  }

  _expectSnapshot(query) {
    if (query.type !== QueryType.CONTINUOUS_ONLY && this.options.capabilities.includes(AGG_MARK_END)) {
      this._awaitingSnapshot.add(query.id);
    }
  }

  _queryFrame(f) {
    const q = this._queries.get(f.queryId);
    if (!q) {
      return; // unregistered, or never ours
    }
    switch (f.type) {
      case 'snapshotBegin':
        q._snapshotBegin(f.schema);
        return;
      case 'tupleAdded':
      case 'tupleUpdated':
      case 'tupleRemoved':
        q._tuple(f);
        return;
      case 'snapshotEnd':
        this._awaitingSnapshot.delete(q.id);
        if (q.type === QueryType.SNAPSHOT) {
          this._queries.delete(q.id); // the server dropped it after its snapshot: not registered again
        }
        call(q.listener, 'snapshotEnd', q);
        return;
      case 'queryStatus':
        call(q.listener, 'queryStatus', Object.freeze({ status: f.status, stale: f.status === 'STALE',
          code: f.code ?? null, message: f.message ?? null }), q);
        return;
      case 'queryError':
        this._queries.delete(q.id);
        this._awaitingSnapshot.delete(q.id);
        call(q.listener, 'exceptionRaised', new TidemarkLiveError(f.code, f.message), q);
        return;
      default:
        console.warn(`tidemark live: ignoring a frame of unknown type ${JSON.stringify(f.type)}`);
    }
  }

  _hello(socket, state, f) {
    if (this._ready) {
      return;
    }
    this._ready = true;
    this._backoff = this.options.reconnectInitialMillis;
    this.tenant = f.tenant ?? null;
    this.serverCapabilities = f.capabilities || [];
    const marks = this.serverCapabilities.includes('AGGREGATE_MARK_GENERATION');
    if (this.options.capabilities.includes(AGG_MARK_END) && !marks) {
      console.warn('tidemark live: the server does not list AGGREGATE_MARK_GENERATION; expect no aggregate marks');
    }
    this.heartbeatTimeoutMillis = Number(f.heartbeatTimeoutMillis || 0);
    // A generation open on the lost socket is abandoned: it never gets its aggMarkEnd.
    this._markListeners = [];
    this._generationOpen = false;
    this._merged = 0;
    this._awaitingSnapshot.clear();
    for (const q of this._queries.values()) {
      this._expectSnapshot(q);
      this._send({ type: 'register', queryId: q.id, sql: q.sql, queryType: q.type });
    }
    let every = this.options.heartbeatIntervalMillis;
    if (this.heartbeatTimeoutMillis > 0) {
      every = Math.min(every, Math.floor(this.heartbeatTimeoutMillis / 3));
    }
    this._heartbeat = setInterval(() => this._beat(socket, state, every), every);
    const info = Object.freeze({ tenant: this.tenant, capabilities: this.serverCapabilities,
      heartbeatTimeoutMillis: this.heartbeatTimeoutMillis });
    const first = !this._everReady;
    this._everReady = true;
    if (this._first) {
      this._first.resolve();
      this._first = null;
    }
    call(this._listener, first ? 'connected' : 'reconnected', info);
  }

  _beat(socket, state, every) {
    if (socket !== this._socket) {
      return;
    }
    const silent = Date.now() - state.lastHeard;
    if (silent > every * 3) {
      socket.close(4000, 'silent server');
      this._lost(socket, state, { code: 0, reason: `nothing heard for ${silent} ms` });
      return;
    }
    this._send({ type: 'ping', nonce: String(Date.now()) });
  }

  _send(frame) {
    const s = this._socket;
    if (s && s.readyState === WebSocket.OPEN) {
      s.send(JSON.stringify(frame));
    }
  }

  /** The socket ended or never opened: reconnect after the backoff unless the end is final. */
  async _lost(socket, state, why) {
    if (state.ended) {
      return;
    }
    state.ended = true;
    if (socket !== this._socket || this._closed) {
      return;
    }
    this._socket = null;
    this._ready = false;
    this._stopTimers();
    let fatal = FINAL_CLOSES[why.code]
      ? new TidemarkLiveError(FINAL_CLOSES[why.code], closeMessage(why))
      : null;
    if (!fatal && !state.opened) {
      fatal = await this._refused(); // the browser hides the HTTP status of a refused upgrade: ask once over HTTP
      if (this._closed) {
        return;
      }
    }
    if (this._first) { // the first connection failed: no reconnect, connect() rejects
      const first = this._first;
      this._first = null;
      this._closed = true;
      const where = redact(this._liveUrl());
      first.reject(fatal || new TidemarkLiveError('TRANSPORT', state.opened
        ? `the live connection to ${where} ended before the server's hello: ${closeMessage(why)}`
        : this._tokenAccepted
          ? `cannot open the live connection to ${where}: the server accepts the token over HTTP, but the WebSocket `
            + 'was refused or cut (a proxy without WebSocket support?)'
          : `cannot open the live connection to ${where}: the server is unreachable or refused it (a browser hides `
            + 'the HTTP status, and the token could not be checked over HTTP either, as from another origin)'));
      return;
    }
    if (fatal) {
      this._endForGood(fatal, why);
      return;
    }
    const delay = Math.round(this._backoff * (0.8 + 0.4 * Math.random()));
    this._backoff = Math.min(this._backoff * 2, this.options.reconnectMaxMillis);
    call(this._listener, 'disconnected', Object.freeze({ code: why.code, reason: why.reason, final: false,
      reconnectInMillis: delay }));
    if (!this._closed) {
      this._timer = setTimeout(() => this._open(), delay);
    }
  }

  /** No reconnect: connect() rejects, or the listeners hear why and every query gets exceptionRaised. */
  _endForGood(fatal, why) {
    this._closed = true;
    this._socket = null;
    this._ready = false;
    this._stopTimers();
    if (this._first) {
      const first = this._first;
      this._first = null;
      first.reject(fatal);
      return;
    }
    call(this._listener, 'disconnected', Object.freeze({ code: why.code, reason: why.reason, final: true,
      reconnectInMillis: null }));
    call(this._listener, 'connectionError', fatal);
    const queries = [...this._queries.values()];
    this._queries.clear();
    queries.forEach((q) => call(q.listener, 'exceptionRaised', fatal, q));
  }

  /**
   * Why an upgrade that never opened was refused: the same token on a cheap authenticated HTTP request (POST /graphql
   * with the token as a bearer header). 401 and 403 are final (the server's JSON message is kept); anything else,
   * including an unreachable server, is not. Bounded by connectTimeoutMillis.
   */
  async _refused() {
    this._tokenAccepted = false;
    const url = this._serverUrl('/graphql');
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), this.options.connectTimeoutMillis);
    try {
      const r = await fetch(url, { method: 'POST', signal: abort.signal, cache: 'no-store',
        headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${this.options.token || ''}` },
        body: '{"query":"{ __typename }"}' });
      if (r.status !== 401 && r.status !== 403) {
        this._tokenAccepted = r.ok;
        return null;
      }
      const body = await r.text();
      let message = '';
      try {
        message = JSON.parse(body).message || '';
      } catch (e) {
        message = '';
      }
      return new TidemarkLiveError(r.status === 401 ? 'UNAUTHENTICATED' : 'FORBIDDEN',
          `the server refused the live connection to ${redact(this._liveUrl())} (HTTP ${r.status})`
          + (message ? `: ${message}` : ''), r.status);
    } catch (e) {
      return null;
    } finally {
      clearTimeout(timer);
    }
  }

  _stopTimers() {
    clearTimeout(this._timer);
    clearInterval(this._heartbeat);
    this._timer = null;
    this._heartbeat = null;
  }

  _distinctListeners() {
    const seen = new Set();
    for (const q of this._queries.values()) {
      seen.add(q.listener);
    }
    return [...seen];
  }
}

/** A registered query: its id, SQL, type and current schema; unregister() drops it. */
class Query {
  constructor(connection, id, sql, type, listener) {
    this.connection = connection;
    this.id = id;
    this.sql = sql;
    this.type = type;
    this.listener = listener;
    this.schema = null;
    this._keyTypes = [];
  }

  /** Drops the query: nothing more comes for it, and it is not registered again on reconnect. Idempotent. */
  unregister() {
    const c = this.connection;
    if (c._queries.get(this.id) !== this) {
      return;
    }
    c._queries.delete(this.id);
    c._awaitingSnapshot.delete(this.id);
    if (c._ready) {
      c._send({ type: 'unregister', queryId: this.id });
    }
  }

  _snapshotBegin(wire) {
    const columns = Object.freeze(wire.columns.map((c) => Object.freeze({ name: c.name, type: c.type })));
    this.schema = Object.freeze({ columns, keyColumns: Object.freeze([...wire.keyColumns]),
      ordered: Boolean(wire.ordered) });
    const types = new Map(columns.map((c) => [c.name, c.type]));
    // A key column the query does not project: the live tables' own `timestamp` is the only typed one.
    this._keyTypes = this.schema.keyColumns.map((n) => types.get(n) || (n === 'timestamp' ? 'TIMESTAMP' : ''));
    call(this.listener, 'snapshotBegin', this.schema, this);
  }

  _tuple(f) {
    if (!this.schema) {
      return;
    }
    const columns = this.schema.columns;
    const values = f.values.map((v, i) => toValue(i < columns.length ? columns[i].type : '', v));
    const key = f.key.map((v, i) => toValue(this._keyTypes[i] || '', v));
    call(this.listener, f.type, new Tuple(key, values), this);
  }
}

/** One row: its key (the row's identity across updates) and its values in column order; immutable. */
export class Tuple {
  constructor(key, values) {
    this.key = Object.freeze(key);
    this.values = Object.freeze(values);
    this.keyString = keyString(key);
    Object.freeze(this);
  }
}

function call(listener, method, ...args) {
  const f = listener && listener[method];
  if (typeof f !== 'function') {
    return;
  }
  try {
    f.apply(listener, args);
  } catch (e) {
    console.error(`tidemark live: a listener's ${method} threw`, e);
  }
}

function closeMessage(why) {
  if (why.code === 0) {
    return why.reason;
  }
  return `closed ${why.code}${why.reason ? ` ${why.reason}` : ''}`;
}

function redact(url) {
  const u = new URL(url);
  if (u.searchParams.has('access_token')) {
    u.searchParams.set('access_token', '***');
  }
  return u.toString().replace('%2A%2A%2A', '***');
}

// ---- LiveTable --------------------------------------------------------------------------------------------------

/**
 * A query listener that keeps the query's current rows and shows them once per generation: pass it as the listener
 * of registerQuery. `onUpdate(table, change)` runs at each aggMarkEnd (or, without AGG_MARK_END, after each snapshotEnd
 * and each row change) with what changed since the last call: { generation, reset (a new snapshot replaced the rows),
 * added, updated, removed (Sets of keyString) }. Between calls the table holds a generation in progress: read it in
 * onUpdate. Several LiveTables on one connection are consistent with each other at each aggMarkEnd.
 */
export class LiveTable {
  constructor({ onUpdate, onError, onStatus } = {}) {
    this.onUpdate = onUpdate;
    this.onError = onError;
    this.onStatus = onStatus;
    this.schema = null;
    this.rowsByKey = new Map(); // keyString -> Tuple
    this.generation = null;
    this.status = Object.freeze({ status: 'OK', stale: false, code: null, message: null });
    this.error = null;
    this._marks = false;
    this._resetChanges(false);
  }

  /** The current rows as objects keyed by column name, sorted with `compare` when given. */
  rows(compare) {
    const names = this.schema ? this.schema.columns.map((c) => c.name) : [];
    const out = [];
    for (const t of this.rowsByKey.values()) {
      const row = {};
      names.forEach((n, i) => {
        row[n] = t.values[i];
      });
      out.push(row);
    }
    return compare ? out.sort(compare) : out;
  }

  get size() {
    return this.rowsByKey.size;
  }

  aggMarkBegin() {
    this._marks = true;
  }

  aggMarkEnd(generation) {
    this.generation = generation;
    this._emit(generation);
  }

  snapshotBegin(schema) {
    this.schema = schema;
    this.rowsByKey.clear();
    this.error = null;
    this.status = Object.freeze({ status: 'OK', stale: false, code: null, message: null });
    this._resetChanges(true);
  }

  snapshotEnd() {
    if (!this._marks) {
      this._emit(null);
    }
  }

  tupleAdded(t) {
    this.rowsByKey.set(t.keyString, t);
    this._changed(t.keyString, this.removed.delete(t.keyString) ? 'updated' : 'added');
  }

  tupleUpdated(t) {
    this.rowsByKey.set(t.keyString, t);
    this._changed(t.keyString, this.added.has(t.keyString) ? 'added' : 'updated');
  }

  tupleRemoved(t) {
    this.rowsByKey.delete(t.keyString);
    const wasNew = this.added.delete(t.keyString);
    this.updated.delete(t.keyString);
    if (!wasNew) {
      this.removed.add(t.keyString);
    }
    this._dirty();
  }

  queryStatus(status) {
    this.status = status;
    if (this.onStatus) {
      this.onStatus(this, status);
    }
  }

  exceptionRaised(error) {
    this.error = error;
    if (this.onError) {
      this.onError(this, error);
    }
  }

  _changed(key, kind) {
    (kind === 'added' ? this.added : this.updated).add(key);
    this._dirty();
  }

  _dirty() {
    if (!this._marks && !this._inSnapshot()) {
      this._emit(null);
    }
  }

  _inSnapshot() {
    return this.reset;
  }

  _emit(generation) {
    if (!this.schema) {
      return; // registered, but its snapshot has not begun: nothing to show yet
    }
    const change = Object.freeze({ generation, reset: this.reset, added: this.added, updated: this.updated,
      removed: this.removed });
    this._resetChanges(false);
    if (this.onUpdate) {
      this.onUpdate(this, change);
    }
  }

  _resetChanges(reset) {
    this.reset = reset;
    this.added = new Set();
    this.updated = new Set();
    this.removed = new Set();
  }
}
