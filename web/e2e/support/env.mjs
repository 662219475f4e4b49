// What every browser test shares: where the server is, where screenshots go,
// and how to start Debian's Chromium (never a downloaded browser) with the
// flags this closed network needs.
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium } from 'playwright-core'

export const WEB_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
export const BASE = (process.env.TONGXIN_E2E_URL ?? '').replace(/\/+$/, '')
export const OUT = path.resolve(WEB_DIR, process.env.TONGXIN_E2E_OUT || '../test-output/e2e')
export const CHROMIUM = process.env.TONGXIN_E2E_CHROMIUM || '/usr/bin/chromium'

const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]

export function launchChromium() {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS })
}
