import { createHash } from 'node:crypto';
import type Redis from 'ioredis';

/** A Lua script sent by its SHA-1 (EVALSHA), its text only when Redis does not have it yet. */
export class LuaScript {
  readonly sha: string;
  constructor(readonly source: string) {
    this.sha = createHash('sha1').update(source).digest('hex');
  }
}

/** Runs `script` with EVALSHA; on NOSCRIPT (a fresh or flushed Redis) once more with EVAL, which also caches it. */
export async function runScript(client: Redis, script: LuaScript, keys: string[], args: (string | number)[]): Promise<unknown> {
  try {
    return await client.evalsha(script.sha, keys.length, ...keys, ...args);
  } catch (err) {
    if (!String((err as Error).message).startsWith('NOSCRIPT')) throw err;
    return client.eval(script.source, keys.length, ...keys, ...args);
  }
}
