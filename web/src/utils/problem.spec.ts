import { describe, expect, it } from 'vitest'
import { fieldErrors, problemMessage } from './problem'

describe('problemMessage', () => {
  const p = {
    status: 401,
    title: 'Unauthorized',
    code: 'invalid_credentials',
    detail: 'Wrong username or password.',
    detail_zh: '用户名或密码错误。',
  }

  it('uses detail_zh in Chinese and detail in English', () => {
    expect(problemMessage(p, 'zh-CN')).toBe('用户名或密码错误。')
    expect(problemMessage(p, 'en')).toBe('Wrong username or password.')
  })

  it('falls back to the other language, then the title, then the fallback', () => {
    expect(problemMessage({ detail: 'Only English' }, 'zh-CN')).toBe('Only English')
    expect(problemMessage({ detail_zh: '只有中文' }, 'en')).toBe('只有中文')
    expect(problemMessage({ title: 'Too Many Requests', detail: '  ' }, 'zh-CN')).toBe('Too Many Requests')
    expect(problemMessage({}, 'en', 'fallback')).toBe('fallback')
    expect(problemMessage(null, 'en', 'fallback')).toBe('fallback')
  })

  it('localises field errors, first error per field', () => {
    const errs = fieldErrors(
      {
        errors: [
          { field: 'username', rule: 'required', detail: 'Required.', detail_zh: '必填。' },
          { field: 'username', rule: 'max', detail: 'Too long.', detail_zh: '过长。' },
          { field: 'password', rule: 'min', detail: 'Too short.' },
        ],
      },
      'zh-CN',
    )
    expect(errs).toEqual({ username: '必填。', password: 'Too short.' })
  })
})
