// The console's calls to the server: GraphQL and the export endpoint, with the token from sessionStorage.

const KEY = 'tidemark.token';

/** An error the server answered with: code (NOT_FOUND, FORBIDDEN, UNAUTHENTICATED …) and its message. */
export class ApiError extends Error {
  constructor(code, message, status) {
    super(message);
    this.code = code;
    this.status = status;
  }
  /** "FORBIDDEN: a reader token may not …" */
  toString() {
    return `${this.code}: ${this.message}`;
  }
}

export function token() {
  return sessionStorage.getItem(KEY);
}

export function setToken(t) {
  if (t) sessionStorage.setItem(KEY, t); else sessionStorage.removeItem(KEY);
}

/** Listeners told when the server refuses the token (401): the console signs out. */
const unauthenticated = [];
export function onUnauthenticated(fn) {
  unauthenticated.push(fn);
}

/**
 * Runs a GraphQL operation; resolves to its data, rejects with an ApiError carrying the first error's code.
 * tokenOverride: for the sign-in check, before the token is stored.
 */
export async function graphql(query, variables = {}, tokenOverride) {
  const t = tokenOverride || token();
  let res;
  try {
    res = await fetch('/graphql', {
      method: 'POST',
      headers: {'Content-Type': 'application/json', 'Authorization': 'Bearer ' + t},
      body: JSON.stringify({query, variables}),
    });
  } catch (e) {
    throw new ApiError('UNREACHABLE', 'the server did not answer (' + e.message + ')', 0);
  }
  let body;
  try {
    body = await res.json();
  } catch (e) {
    throw new ApiError('INTERNAL', `HTTP ${res.status} without a JSON body`, res.status);
  }
  if (res.status === 401 || body.code === 'UNAUTHENTICATED') {
    if (!tokenOverride) unauthenticated.forEach(fn => fn());
    throw new ApiError('UNAUTHENTICATED', body.message || 'the token was refused', 401);
  }
  if (body.errors && body.errors.length) {
    const e = body.errors[0];
    throw new ApiError((e.extensions && e.extensions.code) || 'ERROR', e.message, res.status);
  }
  if (body.code) throw new ApiError(body.code, body.message, res.status);
  return body.data;
}
