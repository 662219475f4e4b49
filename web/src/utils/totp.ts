// The second factor's enrolment as shown to a person.
import { formatDateTime } from './cases'

/** A base-32 secret in groups of four, easier to type into an app by hand. */
export function groupSecret(secret: string): string {
  return (secret.replace(/\s+/g, '').match(/.{1,4}/g) ?? []).join(' ')
}

/** The recovery codes as a text file to keep (copy or download). */
export function recoveryCodesText(codes: readonly string[], username: string, at = new Date()): string {
  const day = formatDateTime(at.toISOString()).slice(0, 10) // the day in China
  return [
    `同心 · 基层治理 — 恢复码 / Tongxin recovery codes`,
    `用户 / user: ${username}    生成于 / generated: ${day}`,
    `每个恢复码只能使用一次。手机丢失时用它代替动态码登录。`,
    `Each code works once; use one instead of the app's code if the phone is lost.`,
    '',
    ...codes.map((c, i) => `${String(i + 1).padStart(2, ' ')}. ${c}`),
    '',
  ].join('\n')
}
