// Browser test of the trust work (issue #12) against a running Tongxin server with the demo data.
//   TONGXIN_E2E_URL=http://127.0.0.1:18080 node --test e2e/security.test.mjs
// Hostile names — a grid renamed to markup, a case titled with markup, a
// campaign named with markup — show as text on the map, the case page, the
// cases map and the campaign page, under the server's Content-Security-Policy;
// the audit page lists the admin's login; an account made by an admin must
// change its password first (console and phone app); a user enrols a TOTP
// second factor from the QR code and then signs in with it (console and phone
// app). Self-contained: it uses a community no other test works in, renames
// the grid back at the end and makes its own accounts.
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { BASE, OUT, launchChromium } from './support/env.mjs'

const ADMIN_PASSWORD = 'district-demo-2026'
const USED_COMMUNITY = '370211001001' // 海军路社区: the other tests work there
const WAIT = 30_000
const RUN = Date.now().toString(36)

const HOSTILE_AREA = '<img src=x onerror=window.__xss=1>'
const HOSTILE_CASE = '<img src=x onerror=window.__xss=2>'
const HOSTILE_CAMPAIGN = '<img src=x onerror=window.__xss=3>'
const LITERAL = '<img src=x'

let browser
let admin // the admin's API session
let context
let page
const pageErrors = []
const dialogs = []
const state = { community: '', grid: '', gridName: '', caseId: 0, campaignId: 0, adminId: 0 }

// ---------- helpers ----------

async function shot(p, name) {
  await p.evaluate(() => document.querySelectorAll('.el-message').forEach((e) => e.remove()))
  await p.screenshot({ path: path.join(OUT, name), fullPage: false })
}

/** An API session (cookie + CSRF header) in its own browser context. */
async function apiLogin(username, password) {
  const ctx = await browser.newContext()
  const res = await ctx.request.post(`${BASE}/api/v1/auth/login`, { data: { username, password } })
  assert.equal(res.status(), 200, `${username} cannot log in: ${await res.text()}`)
  const { csrf_token: csrf, user } = await res.json()
  const check = async (r, what) => {
    assert.ok(r.ok(), `${what} → ${r.status()} ${await r.text()}`)
    return r.status() === 204 ? undefined : r.json()
  }
  const headers = { 'X-CSRF-Token': csrf }
  return {
    user,
    ctx,
    get: async (p) => check(await ctx.request.get(`${BASE}/api/v1${p}`), `GET ${p}`),
    post: async (p, body) => check(await ctx.request.post(`${BASE}/api/v1${p}`, { data: body, headers }), `POST ${p}`),
    patch: async (p, body) => check(await ctx.request.patch(`${BASE}/api/v1${p}`, { data: body, headers }), `PATCH ${p}`),
    put: async (p, body) => check(await ctx.request.put(`${BASE}/api/v1${p}`, { data: body, headers }), `PUT ${p}`),
  }
}

/** A fresh context and page that collect page errors, dialogs and CSP violations. */
async function newPage(opts = {}) {
  const ctx = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'zh-CN', timezoneId: 'Asia/Shanghai', ...opts })
  ctx.setDefaultTimeout(WAIT)
  // Runs before the page's own scripts (and outside its CSP): records violations.
  await ctx.addInitScript(() => {
    window.__csp = []
    document.addEventListener('securitypolicyviolation', (e) => window.__csp.push(`${e.violatedDirective} ${e.blockedURI}`))
  })
  const p = await ctx.newPage()
  p.on('pageerror', (err) => pageErrors.push(String(err)))
  // A hostile name that ran would most likely open a dialog: fail on any.
  p.on('dialog', async (d) => {
    dialogs.push(`${d.type()}: ${d.message()}`)
    await d.dismiss().catch(() => {})
  })
  return { ctx, page: p }
}

async function consoleLogin(p, username, password) {
  await p.goto(`${BASE}/login`)
  await p.getByTestId('login-username').fill(username)
  await p.getByTestId('login-password').fill(password)
  await p.getByTestId('login-submit').click()
}

/** Nothing of the hostile markup ran or became an element; no CSP violation. */
async function assertInert(p, where) {
  const r = await p.evaluate(() => ({
    xss: window.__xss,
    imgs: document.querySelectorAll('img[src="x"]').length,
    csp: window.__csp ?? [],
  }))
  assert.equal(r.xss, undefined, `${where}: hostile markup ran (window.__xss = ${r.xss})`)
  assert.equal(r.imgs, 0, `${where}: an <img src="x"> element exists`)
  assert.deepEqual(r.csp, [], `${where}: Content-Security-Policy violations`)
  assert.deepEqual(dialogs, [], `${where}: a dialog opened`)
}

/** The text of every element matching selector. */
function texts(p, selector) {
  return p.locator(selector).evaluateAll((els) => els.map((e) => e.textContent))
}

// RFC 6238 with the server's parameters: SHA-1, 6 digits, 30-second steps.
function base32(s) {
  const abc = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'
  let bits = ''
  for (const c of s.replace(/[\s=]/g, '').toUpperCase()) bits += abc.indexOf(c).toString(2).padStart(5, '0')
  const out = []
  for (let i = 0; i + 8 <= bits.length; i += 8) out.push(parseInt(bits.slice(i, i + 8), 2))
  return Buffer.from(out)
}
function totp(secret, step) {
  const msg = Buffer.alloc(8)
  msg.writeBigUInt64BE(BigInt(step))
  const h = crypto.createHmac('sha1', base32(secret)).update(msg).digest()
  const o = h[h.length - 1] & 0xf
  return String((h.readUInt32BE(o) & 0x7fffffff) % 1_000_000).padStart(6, '0')
}
const nowStep = () => Math.floor(Date.now() / 30_000)

/** A point inside the area `code` (checked with /locate), from its boundary in `features`. */
async function pointInside(features, code) {
  const f = features.find((x) => x.properties.code === code)
  assert.ok(f, `no boundary for ${code}`)
  const ring = f.geometry.type === 'Polygon' ? f.geometry.coordinates[0] : f.geometry.coordinates[0][0]
  const xs = ring.map((p) => p[0])
  const ys = ring.map((p) => p[1])
  const [minX, maxX, minY, maxY] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)]
  const fractions = [0.5, 0.4, 0.6, 0.3, 0.7, 0.2, 0.8]
  for (const fy of fractions) {
    for (const fx of fractions) {
      const lng = minX + (maxX - minX) * fx
      const lat = minY + (maxY - minY) * fy
      const r = await admin.ctx.request.get(`${BASE}/api/v1/locate?lng=${lng}&lat=${lat}&crs=wgs84`)
      if (r.ok() && (await r.json()).microgrid.code.startsWith(code)) return { lng, lat }
    }
  }
  assert.fail(`no point of ${code}'s bounding box lies inside it`)
}

async function renameBack() {
  if (admin && state.grid && state.gridName) {
    await admin.patch(`/areas/${state.grid}`, { name: state.gridName })
    state.gridName = ''
  }
}

// ---------- the tests ----------

describe('trust in the browser', { timeout: 420_000 }, () => {
  before(async () => {
    if (!BASE) return
    fs.mkdirSync(OUT, { recursive: true })
    browser = await launchChromium()
    ;({ ctx: context, page } = await newPage())
  })

  after(async () => {
    await renameBack().catch((e) => console.error('renaming the grid back failed:', e))
    if (admin && state.campaignId) await admin.patch(`/registry/campaigns/${state.campaignId}`, { state: 'closed' }).catch(() => {})
    await browser?.close()
  })

  test('TONGXIN_E2E_URL is set', () => {
    assert.ok(BASE, 'TONGXIN_E2E_URL is not set: start `tongxin serve --demo` and set TONGXIN_E2E_URL')
  })

  test('the pages carry the Content-Security-Policy and no inline script', async () => {
    assert.ok(BASE, 'TONGXIN_E2E_URL is not set')
    for (const p of ['/', '/login', '/m/', '/m/login']) {
      const res = await context.request.get(BASE + p)
      assert.equal(res.status(), 200, `${p} → ${res.status()}`)
      const csp = res.headers()['content-security-policy'] ?? ''
      assert.match(csp, /frame-ancestors 'none'/, `${p}: no frame-ancestors 'none' in "${csp}"`)
      assert.match(csp, /script-src 'self'(;|$)/, `${p}: script-src is not 'self' alone in "${csp}"`)
      assert.doesNotMatch(csp, /unsafe-eval/, `${p}: the policy allows eval`)
      const html = await res.text()
      const inline = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)].filter(([, attrs, body]) => !/\bsrc=/.test(attrs) || body.trim())
      assert.deepEqual(inline.map((m) => m[0]), [], `${p} has inline script`)
    }
  })

  test('hostile names are set up: a grid, a case, a campaign', async () => {
    assert.ok(BASE, 'TONGXIN_E2E_URL is not set')
    admin = await apiLogin('admin', ADMIN_PASSWORD)
    state.adminId = admin.user.id
    // A community no other test works in: the second of the first subdistrict.
    const { items } = await admin.get(`/areas?depth=3`)
    const subdistrict = items.filter((a) => a.level === 'subdistrict').sort((a, b) => a.code.localeCompare(b.code))[0]
    const communities = items.filter((a) => a.level === 'community' && a.parent_code === subdistrict.code && a.code !== USED_COMMUNITY)
    communities.sort((a, b) => a.code.localeCompare(b.code))
    assert.ok(communities.length, 'no second community')
    state.community = communities[0].code
    const grids = await admin.get(`/areas/${state.community}/boundaries?level=grid`)
    assert.ok(grids.features.length >= 1, `${state.community} has no grid boundaries`)
    const grid = grids.features[grids.features.length - 1].properties
    state.grid = grid.code
    // An earlier run that died may have left the name: never "restore" to it.
    state.gridName = grid.name.includes('<img') ? `${state.community}第${grids.features.length}网格` : grid.name
    await admin.patch(`/areas/${state.grid}`, { name: HOSTILE_AREA })

    const at = await pointInside(grids.features, state.grid)
    const { items: cats } = await admin.get('/case-categories')
    const cat = cats.find((c) => c.parent_id !== null && c.active && !(c.fields ?? []).some((f) => f.required))
    assert.ok(cat, 'no usable case category')
    const c = await admin.post('/cases', {
      category_id: cat.id,
      title: HOSTILE_CASE,
      description: `标题含有 HTML 标记的事件（安全测试 ${RUN}）`,
      lng: at.lng,
      lat: at.lat,
      crs: 'wgs84',
      channel: 'hotline',
    })
    state.caseId = c.id

    const today = new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10)
    const end = new Date(Date.now() + 8 * 3600_000 + 30 * 86400_000).toISOString().slice(0, 10)
    const camp = await admin.post('/registry/campaigns', { area_code: state.community, name: HOSTILE_CAMPAIGN, starts_on: today, ends_on: end, state: 'active' })
    state.campaignId = camp.id
  })

  test('the map names the hostile grid as text', async () => {
    assert.ok(state.grid, 'no hostile grid')
    await consoleLogin(page, 'admin', ADMIN_PASSWORD)
    await page.waitForURL((u) => u.pathname === '/overview')
    // Work on the hostile grid's community: few grids, so they are labelled on the map.
    await page.evaluate(([id, code]) => localStorage.setItem(`tongxin.currentArea.${id}`, code), [state.adminId, state.community])
    await page.goto(`${BASE}/map`)
    await page.waitForFunction((c) => window.__txMap?.area === c && window.__txMap.featureCount > 0, state.community, { timeout: 60_000 })
    const labels = await texts(page, '.tx-map-label')
    assert.ok(labels.includes(HOSTILE_AREA), `no label reads the hostile name as text: ${JSON.stringify(labels)}`)
    await page.locator('.tx-map-label', { hasText: LITERAL }).first().waitFor()
    await page.waitForFunction(() => !document.querySelector('[data-testid="map"] .el-loading-mask'))
    await shot(page, 'security-map.png')
    await assertInert(page, 'map')
  })

  test('the case page and the cases map show the hostile title as text', async () => {
    assert.ok(state.caseId, 'no hostile case')
    await page.goto(`${BASE}/cases/${state.caseId}`)
    const title = page.getByTestId('case-title')
    await title.waitFor()
    assert.equal((await title.textContent()).trim(), HOSTILE_CASE)
    await shot(page, 'security-case.png')
    await assertInert(page, 'case page')

    await page.goto(`${BASE}/cases?view=map`)
    await page.waitForFunction((id) => window.__txCasesMap?.ids.includes(id), state.caseId, { timeout: 60_000 })
    await page.waitForFunction(() => !document.querySelector('[data-testid="cases-map"] .el-loading-mask'))
    const pt = await page.evaluate((id) => {
      const { map } = window.__txCasesMap
      let target = null
      map.eachLayer((l) => {
        if (l.getLatLng && l.getPopup && l.getPopup()?.getContent()?.includes(`data-case="${id}"`)) target = l
      })
      if (!target) return null
      target.bringToFront()
      map.setView(target.getLatLng(), map.getZoom(), { animate: false })
      const p = map.latLngToContainerPoint(target.getLatLng())
      const r = map.getContainer().getBoundingClientRect()
      return { x: r.left + p.x, y: r.top + p.y }
    }, state.caseId)
    assert.ok(pt, 'the hostile case has no marker')
    // Hovering shows the tooltip, clicking the popup: both with the title as text.
    await page.mouse.move(pt.x, pt.y)
    await page.locator('.tx-case-tip', { hasText: LITERAL }).waitFor()
    assert.ok((await texts(page, '.tx-case-tip')).includes(HOSTILE_CASE), 'the tooltip does not read the title as text')
    await page.mouse.click(pt.x, pt.y)
    const popupTitle = page.locator('.leaflet-popup .tx-case-popup-title')
    await popupTitle.waitFor()
    assert.equal((await popupTitle.textContent()).trim(), HOSTILE_CASE)
    await page.waitForFunction(() => getComputedStyle(document.querySelector('.leaflet-popup')).opacity === '1')
    await shot(page, 'security-cases-map.png')
    await assertInert(page, 'cases map')
  })

  test('the campaign page shows the hostile campaign and grid names as text', async () => {
    assert.ok(state.campaignId, 'no hostile campaign')
    await page.goto(`${BASE}/registry/campaigns/${state.campaignId}`)
    const title = page.getByTestId('reg-campaign-title')
    await page.waitForFunction((want) => document.querySelector('[data-testid="reg-campaign-title"]')?.textContent?.trim() === want, HOSTILE_CAMPAIGN)
    assert.equal((await title.textContent()).trim(), HOSTILE_CAMPAIGN)
    await page.locator('.tx-cov-label', { hasText: LITERAL }).first().waitFor()
    const labels = await texts(page, '.tx-cov-label')
    assert.ok(
      labels.some((l) => l.startsWith(HOSTILE_AREA + ' ')),
      `no coverage label reads the hostile grid name as text: ${JSON.stringify(labels)}`,
    )
    await page.waitForFunction(() => !document.querySelector('[data-testid="reg-campaign"] .el-loading-mask'))
    await shot(page, 'security-campaign.png')
    await assertInert(page, 'campaign page')
  })

  test('the audit page lists the admin’s login and the rename as text', async () => {
    assert.ok(state.grid, 'no hostile grid')
    await page.getByTestId('nav-audit').click()
    await page.waitForURL((u) => u.pathname === '/audit')
    await page.locator('[data-testid="audit-table"] [data-testid="audit-action"]').first().waitFor()
    // The admin's logins are there, labelled in Chinese.
    const logins = page.locator('[data-testid="audit-table"] tr', { has: page.locator('[data-action="auth.login"]') })
    await logins.first().waitFor()
    const row = logins.filter({ has: page.locator('[data-testid="audit-actor"]', { hasText: /^admin$/ }) }).first()
    await row.waitFor()
    assert.equal((await row.getByTestId('audit-action').textContent()).trim(), '登录')
    assert.equal((await row.getByTestId('audit-object').textContent()).trim(), 'user:admin')

    // Filtered to logins by admin: nothing else is listed.
    await page.getByTestId('audit-filter-actor').fill('admin')
    await page.getByTestId('audit-filter-action').click()
    await page.locator('.el-select-dropdown__item', { hasText: 'auth.login' }).first().click()
    await page.getByTestId('audit-search').click()
    await page.waitForFunction(() => {
      const acts = [...document.querySelectorAll('[data-testid="audit-table"] [data-testid="audit-action"]')].map((e) => e.dataset.action)
      const actors = [...document.querySelectorAll('[data-testid="audit-table"] [data-testid="audit-actor"]')].map((e) => e.textContent.trim())
      return acts.length > 0 && acts.every((a) => a === 'auth.login') && actors.every((a) => a === 'admin')
    })
    await page.waitForFunction(() => !document.querySelector('[data-testid="audit-table"] .el-loading-mask'))
    await page.mouse.move(0, 0)
    await shot(page, 'security-audit.png')

    // The rename's entry names the hostile grid in its detail, as text.
    await page.getByTestId('audit-reset').click()
    await page.getByTestId('audit-filter-object').fill(`area:${state.grid}`)
    await page.getByTestId('audit-search').click()
    await page.locator('[data-testid="audit-table"] [data-action="area.rename"]').first().waitFor()
    const details = await texts(page, '[data-testid="audit-table"] [data-testid="audit-detail"]')
    assert.ok(details.some((d) => d.includes(HOSTILE_AREA)), `no audit detail shows the hostile name: ${JSON.stringify(details)}`)
    await assertInert(page, 'audit page')
    const href = await page.getByTestId('audit-export').getAttribute('href')
    assert.match(href, /^\/api\/v1\/audit\/export\.xlsx\?/)
    assert.match(href, new RegExp(`object=area%3A${state.grid}`))
  })

  test('the grid has its name back', async () => {
    assert.ok(state.grid, 'no hostile grid')
    const want = state.gridName
    await renameBack()
    const d = await admin.get(`/areas/${state.grid}`)
    assert.equal(d.area.name, want)
  })

  test('an account made by an admin must change its password first (console)', async () => {
    assert.ok(admin, 'no admin session')
    const username = `e2e-pw-${RUN}`
    const temp = `Temp-${RUN}-pass!`
    await admin.post('/users', { username, display_name: '安全测试甲', password: temp, role: 'community_staff', area_code: state.community })
    const { ctx, page: p } = await newPage()
    try {
      await consoleLogin(p, username, temp)
      await p.waitForURL((u) => u.pathname === '/account')
      await p.locator('[data-testid="account-pending"][data-step="password"]').waitFor()
      // Nothing else is reachable: no menu, and any page leads back here.
      assert.equal(await p.getByTestId('nav-menu').count(), 0, 'the menu is shown during a forced change')
      await p.goto(`${BASE}/cases`)
      await p.waitForURL((u) => u.pathname === '/account')
      const res = await p.evaluate(async () => (await fetch('/api/v1/areas')).json())
      assert.equal(res.code, 'password_change_required')

      // A password breaking the rules: the server's reasons under the field.
      await p.getByTestId('password-current').fill(temp)
      await p.getByTestId('password-new').fill('short')
      await p.getByTestId('password-again').fill('short')
      assert.equal(await p.locator('[data-testid="password-hints"] [data-rule="min_length"]').getAttribute('data-ok'), 'false')
      await p.getByTestId('password-submit').click()
      const err = p.locator('[data-testid="account-password"] .el-form-item__error')
      await err.first().waitFor()
      assert.match(await err.first().textContent(), /12/)
      await p.waitForFunction(() => !document.querySelector('[data-testid="password-submit"].is-loading'))
      await shot(p, 'security-password-forced.png')

      const good = `Tongxin-${RUN}-Safe`
      await p.getByTestId('password-new').fill(good)
      await p.getByTestId('password-again').fill(good)
      assert.equal(await p.locator('[data-testid="password-hints"] [data-ok="false"]').count(), 0)
      await p.getByTestId('password-submit').click()
      // On to the page the user was going to.
      await p.waitForURL((u) => u.pathname === '/cases')
      await p.getByTestId('nav-menu').waitFor()
      await assertInert(p, 'account page')
    } finally {
      await ctx.close()
    }
  })

  test('a user enrols a second factor from the QR code and signs in with it (console and phone)', async () => {
    assert.ok(admin, 'no admin session')
    const username = `e2e-totp-${RUN}`
    const temp = `Temp-${RUN}-pass!`
    const password = `Tongxin-${RUN}-Totp`
    await admin.post('/users', { username, display_name: '安全测试乙', password: temp, role: 'community_staff', area_code: state.community })
    const self = await apiLogin(username, temp)
    await self.post('/auth/password', { current_password: temp, new_password: password })
    await self.ctx.close()

    let recovery = []
    const { ctx, page: p } = await newPage()
    try {
      await consoleLogin(p, username, password)
      await p.waitForURL((u) => u.pathname === '/overview')
      // The account page is in the user menu.
      await p.getByTestId('user-name').click()
      await p.getByTestId('menu-account').click()
      await p.waitForURL((u) => u.pathname === '/account')
      await p.locator('[data-testid="totp-state"][data-enabled="false"]').waitFor()
      await p.getByTestId('totp-enrol').click()
      const qr = p.getByTestId('totp-qr')
      await qr.waitFor()
      assert.match(await qr.getAttribute('src'), /^data:image\/png;base64,/)
      // The QR code loads under the CSP (img-src data:).
      await p.waitForFunction(() => {
        const img = document.querySelector('[data-testid="totp-qr"]')
        return img && img.complete && img.naturalWidth > 0
      })
      const secret = (await p.getByTestId('totp-secret').textContent()).replace(/\s+/g, '')
      assert.match(secret, /^[A-Z2-7]{16,}$/)
      await p.getByTestId('account-totp').scrollIntoViewIfNeeded()
      await p.evaluate(() => document.querySelector('[data-testid="account-totp"]').scrollIntoView({ block: 'start' }))
      await shot(p, 'security-totp-qr.png')

      const step = nowStep()
      await p.getByTestId('totp-code').fill(totp(secret, step))
      await p.getByTestId('totp-confirm').click()
      const codes = p.getByTestId('recovery-code')
      await codes.first().waitFor()
      recovery = (await codes.allTextContents()).map((c) => c.trim())
      assert.ok(recovery.length >= 5, `only ${recovery.length} recovery codes`)
      await shot(p, 'security-totp-recovery.png')
      await p.getByTestId('recovery-done').click()
      await p.locator('[data-testid="totp-state"][data-enabled="true"]').waitFor()

      // Signing in again asks for the code; a wrong one is refused, the next step's passes.
      await p.getByTestId('logout').click()
      await p.waitForURL((u) => u.pathname === '/login')
      await consoleLogin(p, username, password)
      await p.getByTestId('login-second-factor').waitFor()
      const wrong = totp(secret, step + 5)
      await p.getByTestId('login-totp-code').fill(wrong)
      await p.getByTestId('login-submit').click()
      await p.getByTestId('login-error').waitFor()
      assert.match(new URL(p.url()).pathname, /^\/login$/)
      await shot(p, 'security-login-totp.png')
      await p.getByTestId('login-totp-code').fill(totp(secret, step + 1))
      await p.getByTestId('login-submit').click()
      await p.waitForURL((u) => u.pathname === '/overview')
      await assertInert(p, 'second-factor login')
    } finally {
      await ctx.close()
    }

    // The phone app: the same second step, here with a recovery code.
    const phone = await newPage({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true })
    try {
      const m = phone.page
      await m.goto(`${BASE}/m/login`)
      await m.getByTestId('login-username').locator('input').fill(username)
      await m.getByTestId('login-password').locator('input').fill(password)
      await m.getByTestId('login-submit').click()
      await m.getByTestId('login-second-factor').waitFor()
      await m.getByTestId('login-use-recovery').click()
      await m.getByTestId('login-recovery-code').locator('input').fill(recovery[0])
      await shot(m, 'security-m-login-recovery.png')
      await m.getByTestId('login-submit').click()
      await m.waitForURL((u) => u.pathname !== '/m/login')
      const me = await m.evaluate(async () => (await fetch('/api/v1/auth/me')).json())
      assert.equal(me.user.username, username)
      await assertInert(m, 'phone login')
    } finally {
      await phone.ctx.close()
    }
  })

  test('an account made by an admin must change its password first (phone app)', async () => {
    assert.ok(admin, 'no admin session')
    const username = `e2e-mpw-${RUN}`
    const temp = `Temp-${RUN}-pass!`
    await admin.post('/users', { username, display_name: '安全测试丙', password: temp, role: 'grid_worker', area_code: state.grid })
    const phone = await newPage({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true })
    try {
      const m = phone.page
      await m.goto(`${BASE}/m/login`)
      await m.getByTestId('login-username').locator('input').fill(username)
      await m.getByTestId('login-password').locator('input').fill(temp)
      await m.getByTestId('login-submit').click()
      await m.waitForURL((u) => u.pathname === '/m/account')
      await m.getByTestId('m-account-must-change').waitFor()
      await m.goto(`${BASE}/m/app/report`)
      await m.waitForURL((u) => u.pathname === '/m/account')

      await m.getByTestId('m-password-current').locator('input').fill(temp)
      await m.getByTestId('m-password-new').locator('input').fill(`${username}-Abc1`)
      await m.getByTestId('m-password-again').locator('input').fill(`${username}-Abc1`)
      await m.getByTestId('m-password-submit').click()
      // Contains the username: refused, with the reason under the field.
      const err = m.locator('[data-testid="m-password-new"] .van-field__error-message')
      await err.waitFor()
      assert.match(await err.textContent(), /用户名/)
      await shot(m, 'security-m-password.png')

      const good = `Tongxin-${RUN}-Phone`
      await m.getByTestId('m-password-new').locator('input').fill(good)
      await m.getByTestId('m-password-again').locator('input').fill(good)
      await m.getByTestId('m-password-submit').click()
      await m.waitForURL((u) => u.pathname.startsWith('/m/app/'))
      await assertInert(m, 'phone account page')
    } finally {
      await phone.ctx.close()
    }
  })

  test('no uncaught errors in the pages', () => {
    assert.deepEqual(pageErrors, [])
  })
})
