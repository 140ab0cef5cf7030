import { Body, Controller, Get, Post, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, Length, Matches } from 'class-validator';
import type { FastifyRequest } from 'fastify';
import type { UserRole, UserView } from '@imbridge/contracts';
import { CurrentUser, Roles, type SessionUser } from '../auth/auth.decorators';
import { UsersService } from './users.service';

export class CreateUserDto {
  @ApiProperty({ example: 'agent1' })
  @IsString()
  @Matches(/^[A-Za-z0-9._@-]{2,64}$/, { message: 'username: 2-64 letters, digits, . _ @ -' })
  username!: string;

  @ApiProperty({ minLength: 8 })
  @IsString()
  @Length(8, 256)
  password!: string;

  @ApiProperty({ enum: ['admin', 'agent'] })
  @IsIn(['admin', 'agent'])
  role!: UserRole;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @Length(1, 128)
  displayName?: string;
}

@ApiTags('users')
@ApiBearerAuth()
@Roles('admin')
@Controller('api/users')
export class UsersController {
  constructor(private readonly users: UsersService) {}

  @Get()
  list(): Promise<UserView[]> {
    return this.users.list();
  }

  @Post()
  create(@Body() dto: CreateUserDto, @CurrentUser() actor: SessionUser, @Req() req: FastifyRequest): Promise<UserView> {
    return this.users.create(dto, { id: actor.id, username: actor.username, ip: req.ip });
  }
}
