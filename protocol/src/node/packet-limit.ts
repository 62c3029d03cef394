import { Duplex } from 'node:stream';

/** The default bound on one MQTT packet on an embedded broker (docs/SECURITY.md "Bounds"). */
export const DEFAULT_MAX_PACKET_BYTES = 1024 * 1024;

/**
 * Wraps a broker connection so no MQTT packet larger than `maxBytes` (fixed header included) is
 * ever buffered: it reads each packet's fixed header as the bytes pass and destroys the connection
 * as soon as a packet announces a larger remaining length, before its body arrives. aedes has no
 * such bound of its own: it buffers a whole packet before parsing it.
 */
export function limitPackets(socket: Duplex, maxBytes: number, onTooLarge: (announced: number) => void): Duplex {
  // Parser state: 0 = expecting a fixed header's first byte, 1 = reading the remaining length, 2 = skipping the body.
  let state = 0;
  let length = 0;
  let multiplier = 1;
  let headerBytes = 0;
  let remaining = 0;

  /** Returns false when a packet is too large. */
  function scan(chunk: Buffer): boolean {
    let i = 0;
    while (i < chunk.length) {
      if (state === 0) {
        i++;
        state = 1;
        length = 0;
        multiplier = 1;
        headerBytes = 1;
      } else if (state === 1) {
        const b = chunk[i++] as number;
        headerBytes++;
        length += (b & 0x7f) * multiplier;
        multiplier *= 128;
        if (headerBytes + length > maxBytes) {
          onTooLarge(headerBytes + length);
          return false;
        }
        if ((b & 0x80) === 0) {
          remaining = length;
          state = remaining === 0 ? 0 : 2;
        } else if (headerBytes > 4) {
          onTooLarge(Number.POSITIVE_INFINITY); // a remaining length of more than 4 bytes is malformed
          return false;
        }
      } else {
        const take = Math.min(remaining, chunk.length - i);
        i += take;
        remaining -= take;
        if (remaining === 0) state = 0;
      }
    }
    return true;
  }

  const wrapped = new Duplex({
    read() {
      socket.resume();
    },
    write(chunk: Buffer, _enc, cb) {
      if (socket.destroyed) return cb();
      if (socket.write(chunk)) cb();
      else socket.once('drain', () => cb());
    },
    // What the broker writes corked (a burst of packets) goes out as one socket write, not one per packet.
    writev(chunks: { chunk: Buffer }[], cb) {
      if (socket.destroyed) return cb();
      if (socket.write(Buffer.concat(chunks.map((c) => c.chunk)))) cb();
      else socket.once('drain', () => cb());
    },
    final(cb) {
      socket.end();
      cb();
    },
    destroy(err, cb) {
      socket.destroy();
      cb(err);
    },
  });
  socket.on('data', (chunk: Buffer) => {
    if (!scan(chunk)) {
      socket.destroy();
      wrapped.destroy();
      return;
    }
    if (!wrapped.push(chunk)) socket.pause();
  });
  socket.on('end', () => wrapped.push(null));
  socket.on('error', (err) => wrapped.destroy(err));
  socket.on('close', () => wrapped.destroy());
  return wrapped;
}
