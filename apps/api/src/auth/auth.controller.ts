import { Body, Controller, Get, HttpCode, Post, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { IsString, Length } from 'class-validator';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { LoginResponse, UserView } from '@imbridge/contracts';
import { ApiError } from '../common/api-error';
import { AuditService } from '../audit/audit.service';
import { UsersService } from '../users/users.service';
import { CurrentUser, Public, type SessionUser } from './auth.decorators';
import { LoginLimiter } from './login-limiter.service';
import { SessionService } from './session.service';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { UserEntity } from '@imbridge/persistence';

export class LoginDto {
  @ApiProperty({ example: 'admin' })
  @IsString()
  @Length(1, 64)
  username!: string;

  @ApiProperty({ example: 'change-me' })
  @IsString()
  @Length(1, 256)
  password!: string;
}

@ApiTags('auth')
@Controller('api/auth')
export class AuthController {
  constructor(
    private readonly users: UsersService,
    private readonly sessions: SessionService,
    private readonly limiter: LoginLimiter,
    private readonly audit: AuditService,
    @InjectRepository(UserEntity) private readonly userRepo: Repository<UserEntity>,
  ) {}

  @Public()
  @Post('login')
  @HttpCode(200)
  @ApiOperation({ summary: 'Log in; returns a bearer token and sets the console session cookie' })
  async login(@Body() dto: LoginDto, @Req() req: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<LoginResponse> {
    const ip = req.ip;
    const wait = await this.limiter.blockedFor(dto.username, ip);
    if (wait > 0) {
      await this.audit.record({ id: null, username: dto.username, ip }, 'auth.login.throttled');
      throw new ApiError(429, 'TOO_MANY_ATTEMPTS', `too many failed logins, try again in ${wait} s`, `登录失败次数过多，请 ${wait} 秒后再试`);
    }
    const user = await this.users.checkPassword(dto.username, dto.password);
    if (!user) {
      await this.limiter.recordFailure(dto.username, ip);
      await this.audit.record({ id: null, username: dto.username, ip }, 'auth.login.failed');
      throw new ApiError(401, 'BAD_CREDENTIALS', 'wrong username or password', '用户名或密码错误');
    }
    await this.limiter.reset(dto.username, ip);
    const accessToken = this.sessions.issue({ id: user.id, username: user.username, role: user.role });
    void reply.header('set-cookie', this.sessions.cookie(accessToken));
    await this.audit.record({ id: user.id, username: user.username, ip }, 'auth.login');
    return { accessToken, user: UsersService.view(user) };
  }

  @Public()
  @Post('logout')
  @HttpCode(204)
  logout(@Res({ passthrough: true }) reply: FastifyReply): void {
    void reply.header('set-cookie', this.sessions.cookie(null));
  }

  @Get('me')
  @ApiBearerAuth()
  async me(@CurrentUser() user: SessionUser): Promise<UserView> {
    const row = await this.userRepo.findOneOrFail({ where: { id: user.id } });
    return UsersService.view(row);
  }
}
