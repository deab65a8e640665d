// The console's client for logyard's JSON API (same origin, session cookie).

export class ApiError extends Error {
  /** An answer other than 2xx. `problem` is the RFC 9457 body when the server sent one. */
  constructor(status, problem) {
    super((problem && (problem.detail || problem.title)) || `HTTP ${status}`);
    this.name = "ApiError";
    this.status = status;
    this.problem = problem || {};
  }
}

export class NetworkError extends Error {
  constructor(cause) {
    super(`Cannot reach the logyard API (${cause.message}); check that the server is running.`);
    this.name = "NetworkError";
  }
}

async function call(method, path, { params, body } = {}) {
  const url = new URL(path, window.location.origin);
  for (const [key, value] of Object.entries(params || {})) {
    if (value !== undefined && value !== null && value !== "") url.searchParams.set(key, value);
  }
  const init = { method, credentials: "same-origin", headers: { Accept: "application/json" } };
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(url, init);
  } catch (err) {
    throw new NetworkError(err);
  }
  if (response.status === 204) return null;
  const type = response.headers.get("Content-Type") || "";
  const data = type.includes("json") ? await response.json().catch(() => null) : null;
  if (!response.ok) throw new ApiError(response.status, data);
  return data;
}

export const api = {
  signIn: (token) => call("POST", "/api/v1/session", { body: { token } }),
  signInWithPassword: (username, password) =>
    call("POST", "/api/v1/session", { body: { username, password } }),
  signOut: () => call("DELETE", "/api/v1/session"),
  search: (params) => call("GET", "/api/v1/search", { params }),
  aggregate: (body) => call("POST", "/api/v1/aggregate", { body }),
  catalog: () => call("GET", "/api/v1/catalog"),
  whoami: () => call("GET", "/api/v1/whoami"),
  metrics: (params) => call("GET", "/api/v1/metrics", { params }),
  metric: (name, params) => call("GET", `/api/v1/metrics/${encodeURIComponent(name)}`, { params }),
  alerts: (params) => call("GET", "/api/v1/alerts", { params }),
  alertHistory: (params) => call("GET", "/api/v1/alerts/history", { params }),
  silences: () => call("GET", "/api/v1/alerts/silences"),
  addSilence: (body) => call("POST", "/api/v1/alerts/silences", { body }),
  removeSilence: (id) => call("DELETE", `/api/v1/alerts/silences/${encodeURIComponent(id)}`),
};
