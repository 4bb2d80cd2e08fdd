import type { Server } from 'node:http';
import type { Socket } from 'node:net';

/**
 * Connections that have not sent a byte yet. A fetch client opens a spare one after a request it
 * aborted (a worker that stopped during a held claim), and the server's close() would wait for such a
 * connection until the client process exits: it carries no request, so closing ends it.
 */
export function trackUnusedConnections(server: Server): { destroyUnused(): void } {
  const open = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    open.add(socket);
    socket.once('close', () => open.delete(socket));
  });
  return {
    destroyUnused() {
      for (const socket of open) if (socket.bytesRead === 0) socket.destroy();
    },
  };
}
