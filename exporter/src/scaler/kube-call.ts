/**
 * One call to the Kubernetes API, shared by the scale-subresource actuator (actuators.ts) and the
 * HPA actuator (actuator-hpa.ts): bearer token, client certificate and CA from the connection, a
 * JSON merge patch for a body. It imports neither actuator, so neither imports the other for it.
 */

/** Where the API server is and how to authenticate (actuators.ts's kubeConnection()). */
export interface KubeConnection {
  server: string;
  token?: () => string;
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
  insecure?: boolean;
}

/** What the HTTP client (actuators.ts's request()) takes. */
export type KubeHttpRequest = {
  method: string;
  url: string;
  headers?: Record<string, string>;
  body?: string;
  timeoutMs: number;
} & Pick<KubeConnection, 'ca' | 'cert' | 'key'> & { rejectUnauthorized?: boolean };

export type KubeRequestFn = (o: KubeHttpRequest) => Promise<{ status: number; text: string }>;

export async function kubeCall(
  c: KubeConnection,
  request: KubeRequestFn,
  call: { method: 'GET' | 'PATCH'; path: string; body?: string; timeoutSeconds: number }
): Promise<{ status: number; text: string; url: string }> {
  const url = c.server.replace(/\/+$/, '') + call.path;
  const headers: Record<string, string> = { accept: 'application/json' };
  const token = c.token?.();
  if (token) headers.authorization = `Bearer ${token}`;
  if (call.body !== undefined) headers['content-type'] = 'application/merge-patch+json';
  const res = await request({
    method: call.method,
    url,
    headers,
    body: call.body,
    timeoutMs: call.timeoutSeconds * 1000,
    ca: c.ca,
    cert: c.cert,
    key: c.key,
    rejectUnauthorized: !c.insecure,
  });
  return { ...res, url };
}
