import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { VerificationFilesService } from './verification-files.service';

/**
 * Serves domain verification files at the site root (`/WW_verify_….txt`, `/MP_verify_….txt`): 200,
 * text/plain, the exact bytes, no auth, no redirect. Registered on Fastify directly, before the
 * console's SPA fallback, so it works with or without the console.
 */
export function registerVerificationFileRoutes(fastify: FastifyInstance, files: VerificationFilesService): void {
  const handler = async (req: FastifyRequest, reply: FastifyReply) => {
    // Only the raw path is looked up: valid names hold no characters that need decoding.
    const fileName = (req.url ?? '').split('?')[0]?.slice(1) ?? '';
    const content = await files.content(fileName);
    if (content === null) {
      return reply.status(404).header('content-type', 'text/plain; charset=utf-8').send('not found');
    }
    return reply.status(200).header('content-type', 'text/plain; charset=utf-8').header('cache-control', 'no-cache').send(content);
  };
  fastify.get('/WW_verify_:rest', handler);
  fastify.get('/MP_verify_:rest', handler);
}
