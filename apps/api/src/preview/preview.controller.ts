import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiBadRequestResponse, ApiBearerAuth, ApiOkResponse, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { IsObject, IsString, Length } from 'class-validator';
import type { RenderedPart } from '@imbridge/contracts';
import { answerToOutgoing } from '@imbridge/platform-core';
import { ApiError } from '../common/api-error';
import { PlatformRegistry } from '../platforms/platform-registry.service';
import { validateAnswer } from './answer-validation';

export class PreviewAnswerDto {
  @ApiProperty({ example: 'wecom', description: 'Platform id (GET /api/platforms)' })
  @IsString()
  @Length(1, 32)
  platform!: string;

  @ApiProperty({
    example: { text: '**退货**请看说明', images: [{ url: 'https://example.com/a.png' }], links: [{ title: '帮助中心', url: 'https://example.com/help' }] },
    description: 'Answer: text (simple markdown, ≤ 20000 chars), images (≤ 9), links (≤ 32); http/https URLs only',
  })
  @IsObject()
  answer!: Record<string, unknown>;
}

@ApiTags('preview')
@ApiBearerAuth()
@Controller('api/preview')
export class PreviewController {
  constructor(private readonly registry: PlatformRegistry) {}

  @Post('answer')
  @HttpCode(200)
  @ApiOperation({ summary: "What the customer would see for an answer on a platform: the sender's parts (split, degraded), nothing sent" })
  @ApiOkResponse({ description: '{parts: RenderedPart[]}' })
  @ApiBadRequestResponse({ description: 'UNKNOWN_PLATFORM, PREVIEW_UNAVAILABLE, INVALID_ANSWER, EMPTY_ANSWER' })
  answer(@Body() dto: PreviewAnswerDto): { parts: RenderedPart[] } {
    const adapter = this.registry.get(dto.platform);
    if (!adapter) throw new ApiError(400, 'UNKNOWN_PLATFORM', `unknown platform '${dto.platform}'`, `未知平台 '${dto.platform}'`);
    const render = adapter.sender?.render?.bind(adapter.sender);
    if (!render) {
      throw new ApiError(400, 'PREVIEW_UNAVAILABLE', `platform '${dto.platform}' cannot preview messages`, `平台 '${dto.platform}' 不支持消息预览`);
    }
    const answer = validateAnswer(dto.answer);
    return { parts: answerToOutgoing(answer).flatMap((m) => render(m)) };
  }
}
