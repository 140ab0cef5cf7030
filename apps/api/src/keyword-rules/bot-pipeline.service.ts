// The pipeline moved to ../bot/; inbox.service.ts and app.module.ts import it from here.
export { BotPipeline, type InboundContext } from '../bot/bot-pipeline.service';
