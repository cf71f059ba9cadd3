// One TCP port that speaks both HTTP/1.1 and cleartext HTTP/2: @aws-sdk/client-qbusiness
// defaults to NodeHttp2Handler (h2c with prior knowledge on http:// endpoints) while the STS
// and SSO-OIDC clients use HTTP/1.1. We peek at each connection's first bytes and hand the
// socket to the matching server; the HTTP/2 preface always starts with "PRI * HTTP/2.0".
import http from 'node:http';
import http2 from 'node:http2';
import net from 'node:net';
import type { AddressInfo } from 'node:net';

export type RequestListener = (req: http.IncomingMessage | http2.Http2ServerRequest, res: http.ServerResponse | http2.Http2ServerResponse) => void;

export interface DualServer {
  port: number;
  close(): Promise<void>;
}

export async function listenDual(listener: RequestListener, port: number, host: string): Promise<DualServer> {
  const h1 = http.createServer({ keepAliveTimeout: 5000 }, listener);
  const h2 = http2.createServer({}, listener);
  const sockets = new Set<net.Socket>();
  const tcp = net.createServer((socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    socket.once('data', (first: Buffer) => {
      socket.pause();
      socket.unshift(first);
      const target = first.subarray(0, 3).toString('latin1') === 'PRI' ? h2 : h1;
      target.emit('connection', socket);
      process.nextTick(() => socket.resume());
    });
    socket.on('error', () => socket.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    tcp.once('error', reject);
    tcp.listen(port, host, () => resolve());
  });
  return {
    port: (tcp.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        h1.close();
        h2.close();
        tcp.close(() => resolve());
      }),
  };
}
