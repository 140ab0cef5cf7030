/**
 * Incremental parser of a server-sent-events stream (text/event-stream): bytes in, `data` payloads
 * out. Chunk boundaries may fall anywhere, inside a line or inside a UTF-8 multibyte sequence (the
 * streaming TextDecoder keeps the partial sequence); comment lines (`: keep-alive`) and fields other
 * than `data` are ignored; an event's several `data:` lines are joined with `\n`.
 */
export class SseParser {
  private readonly decoder = new TextDecoder('utf-8');
  private buffer = '';
  private data: string[] = [];

  /** Feeds bytes; returns the data of every event completed by them. */
  push(chunk: Uint8Array): string[] {
    this.buffer += this.decoder.decode(chunk, { stream: true });
    return this.drain();
  }

  /** The end of the stream: an event not followed by a blank line still counts. */
  end(): string[] {
    this.buffer += this.decoder.decode();
    const out = this.drain();
    if (this.buffer !== '') out.push(...this.line(this.buffer));
    this.buffer = '';
    if (this.data.length) out.push(this.data.join('\n'));
    this.data = [];
    return out;
  }

  private drain(): string[] {
    const out: string[] = [];
    for (;;) {
      const nl = this.buffer.search(/\r\n|\r|\n/);
      // A lone \r at the very end may be the first half of \r\n: wait for the next chunk.
      if (nl < 0 || (this.buffer[nl] === '\r' && nl === this.buffer.length - 1)) break;
      const line = this.buffer.slice(0, nl);
      this.buffer = this.buffer.slice(nl + (this.buffer.startsWith('\r\n', nl) ? 2 : 1));
      out.push(...this.line(line));
    }
    return out;
  }

  private line(line: string): string[] {
    if (line === '') {
      if (this.data.length === 0) return [];
      const event = this.data.join('\n');
      this.data = [];
      return [event];
    }
    if (line.startsWith(':')) return [];
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') this.data.push(value);
    return [];
  }
}
