import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsArray, IsBoolean, IsIn, IsNumber, IsOptional, IsString, IsUUID, Length, Max, Min, ValidateIf } from 'class-validator';
import type { FaqEntryView, FaqImportReport, FaqTestResult, Paginated } from '@imbridge/contracts';

export type { FaqEntryView };

export type FaqListResult = Paginated<FaqEntryView>;
export type { FaqImportReport, FaqTestResult };

/**
 * Field types only: lengths and counts are checked by the service so that the API and the
 * spreadsheet import give the same bilingual messages.
 */
export class CreateFaqDto {
  @ApiPropertyOptional({ nullable: true, type: String, description: 'null or absent = every integration' })
  @IsOptional()
  @ValidateIf((o: CreateFaqDto) => o.integrationId !== null)
  @IsUUID('all', { message: 'integrationId must be a UUID or null' })
  integrationId?: string | null;

  @ApiPropertyOptional({ example: '物流', description: 'At most 64 characters' })
  @IsOptional()
  @IsString()
  category?: string;

  @ApiProperty({ example: '什么时候发货？', description: '1..500 characters' })
  @IsString()
  question!: string;

  @ApiPropertyOptional({ example: ['多久能发货'], description: 'Up to 50, each at most 500 characters' })
  @IsOptional()
  @IsArray()
  @IsString({ each: true })
  similarQuestions?: string[];

  @ApiProperty({ example: '工作日 16:00 前付款当天发货。', description: '1..4000 characters, simple markdown' })
  @IsString()
  answer!: string;

  @ApiPropertyOptional({ default: true })
  @IsOptional()
  @IsBoolean()
  enabled?: boolean;
}

export class UpdateFaqDto {
  @ApiPropertyOptional({ nullable: true, type: String })
  @IsOptional()
  @ValidateIf((o: UpdateFaqDto) => o.integrationId !== null)
  @IsUUID('all', { message: 'integrationId must be a UUID or null' })
  integrationId?: string | null;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  category?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  question?: string;

  @ApiPropertyOptional({ type: [String] })
  @IsOptional()
  @IsArray()
  @IsString({ each: true })
  similarQuestions?: string[];

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  answer?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsBoolean()
  enabled?: boolean;
}

export class TestFaqDto {
  @ApiProperty({ example: '啥时候发货' })
  @IsString()
  @Length(0, 20000)
  text!: string;

  @ApiPropertyOptional({ nullable: true, type: String, description: 'Absent or null: only entries for every integration compete' })
  @IsOptional()
  @ValidateIf((o: TestFaqDto) => o.integrationId !== null)
  @IsUUID('all', { message: 'integrationId must be a UUID or null' })
  integrationId?: string | null;

  @ApiPropertyOptional({ example: 0.3, description: '0..1; default: the matcher default' })
  @IsOptional()
  @IsNumber()
  @Min(0)
  @Max(1)
  threshold?: number;
}

const toBool = ({ value }: { value: unknown }): unknown => (value === 'true' || value === '1' ? true : value === 'false' || value === '0' ? false : value);

export class ImportFaqQuery {
  @IsOptional()
  @IsIn(['append', 'replace'])
  mode?: 'append' | 'replace';

  @IsOptional()
  @Transform(toBool)
  @IsBoolean()
  dryRun?: boolean;

  @IsOptional()
  @Transform(toBool)
  @IsBoolean()
  skipInvalid?: boolean;

  /** Scope of the imported entries: absent or 'null' = every integration. */
  @IsOptional()
  @IsString()
  integrationId?: string;
}

export class FileFormatQuery {
  @IsOptional()
  @IsIn(['csv', 'xlsx'])
  format?: 'csv' | 'xlsx';

  /** Export only: absent = every entry; 'null' = entries for every integration; a UUID = that integration's. */
  @IsOptional()
  @IsString()
  integrationId?: string;
}

export class ListFaqQuery {
  @IsOptional()
  @IsString()
  @Length(0, 200)
  q?: string;

  @IsOptional()
  @IsString()
  @Length(0, 64)
  category?: string;

  @IsOptional()
  @IsString()
  integrationId?: string;

  @IsOptional()
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value))
  @IsNumber()
  @Min(1)
  @Max(500)
  limit?: number;

  @IsOptional()
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value))
  @IsNumber()
  @Min(0)
  offset?: number;
}
