// Browser test of the phone apps (/m/) against a running Tongxin server with
// the demo data: one case walks from a resident's appeal through dispatch,
// the grid worker's handling and verification back to the resident's rating;
// then a grid worker reports while offline and the report syncs exactly once.
//   TONGXIN_E2E_URL=http://127.0.0.1:18080 npm run test:e2e
// Uses Debian's /usr/bin/chromium through playwright-core (no browser download).
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import zlib from 'node:zlib'
import { BASE, OUT, launchChromium } from './support/env.mjs'

const PASSWORD = 'tongxin-demo-2026'
const GRID = '370211001001001' // 海军路社区第1网格, the demo grid worker's grid
const WAIT = 30_000
const STAMP = new Date().toISOString().replace(/\D/g, '').slice(4, 14)

let browser
const pageErrors = []

// ---------- a small PNG, made here ----------
const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
  return c >>> 0
})
function crc32(buf) {
  let c = 0xffffffff
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8)
  return (c ^ 0xffffffff) >>> 0
}
function chunk(type, data) {
  const len = Buffer.alloc(4)
  len.writeUInt32BE(data.length)
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data])
  const crc = Buffer.alloc(4)
  crc.writeUInt32BE(crc32(body))
  return Buffer.concat([len, body, crc])
}
/** A w×h RGB PNG: a coloured field with a white diagonal band. */
function png(w, h, [r, g, b]) {
  const raw = Buffer.alloc((w * 3 + 1) * h)
  for (let y = 0; y < h; y++) {
    raw[y * (w * 3 + 1)] = 0
    for (let x = 0; x < w; x++) {
      const o = y * (w * 3 + 1) + 1 + x * 3
      const band = Math.abs(x - y) < w / 10
      raw[o] = band ? 255 : r
      raw[o + 1] = band ? 255 : g
      raw[o + 2] = band ? 255 : b
    }
  }
  const ihdr = Buffer.alloc(13)
  ihdr.writeUInt32BE(w, 0)
  ihdr.writeUInt32BE(h, 4)
  ihdr[8] = 8 // bit depth
  ihdr[9] = 2 // RGB
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', zlib.deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ])
}
const photo = (name, rgb) => ({ name, mimeType: 'image/png', buffer: png(96, 96, rgb) })

// ---------- the API as a staff member (cookie session + CSRF header) ----------
async function apiAs(username) {
  const ctx = await browser.newContext()
  const res = await ctx.request.post(`${BASE}/api/v1/auth/login`, { data: { username, password: PASSWORD } })
  assert.equal(res.status(), 200, `${username} cannot log in: ${await res.text()}`)
  const { csrf_token: csrf, user } = await res.json()
  const check = async (r, what) => {
    assert.ok(r.ok(), `${what} → ${r.status()} ${await r.text()}`)
    return r.status() === 204 ? undefined : r.json()
  }
  return {
    user,
    ctx,
    get: async (p) => check(await ctx.request.get(BASE + p), `GET ${p} as ${username}`),
    post: async (p, body) =>
      check(await ctx.request.post(BASE + p, { data: body, headers: { 'X-CSRF-Token': csrf } }), `POST ${p} as ${username}`),
  }
}

// ---------- phones ----------
async function phone(position) {
  const ctx = await browser.newContext({
    viewport: { width: 390, height: 844 },
    deviceScaleFactor: 2,
    isMobile: true,
    hasTouch: true,
    locale: 'zh-CN',
    timezoneId: 'Asia/Shanghai',
    geolocation: { longitude: position.lng, latitude: position.lat, accuracy: 10 },
    permissions: ['geolocation'],
  })
  ctx.setDefaultTimeout(WAIT)
  const page = await ctx.newPage()
  page.on('pageerror', (err) => pageErrors.push(String(err)))
  return { ctx, page }
}

async function login(page, username) {
  await page.goto(`${BASE}/m/`)
  await page.waitForURL((u) => u.pathname === '/m/login')
  await page.getByTestId('login-username').locator('input').fill(username)
  await page.getByTestId('login-password').locator('input').fill(PASSWORD)
  await page.getByTestId('login-submit').click()
  await page.waitForURL((u) => u.pathname !== '/m/login')
}

async function shot(page, name) {
  // Let toasts and transitions settle.
  await page.waitForTimeout(400)
  await page.screenshot({ path: path.join(OUT, name), fullPage: false })
}

/** Chooses a subcategory in the picker: its parent in the sidebar, then itself. */
async function chooseCategory(page, cat) {
  await page.getByTestId('category-field').click()
  const popup = page.locator('.van-popup:visible').filter({ has: page.locator('.van-tree-select') })
  await popup.locator('.van-sidebar-item', { hasText: cat.parent.name }).click()
  await popup.locator('.van-tree-select__item', { hasText: cat.child.name }).first().click()
  await popup.waitFor({ state: 'hidden' })
  assert.ok((await page.getByTestId('category-field').locator('input').inputValue()).includes(cat.child.name))
}

async function fillReport(page, { cat, title, description, file }) {
  await chooseCategory(page, cat)
  await page.getByTestId('report-title').locator('input').fill(title)
  await page.getByTestId('report-description').locator('textarea').fill(description)
  await page.getByTestId('report-photos').locator('input[type=file]').setInputFiles(file)
  await page.locator('[data-testid="report-photos"] .van-uploader__preview').first().waitFor()
  // GPS is granted: wait until the location is resolved (a grid name, or the coordinates).
  await page.waitForFunction(() => {
    const t = document.querySelector('[data-testid="location-text"]')?.textContent ?? ''
    return t && !t.includes('定位中') && !t.includes('正在定位')
  })
}

describe('phone apps (/m/)', { timeout: 300_000 }, () => {
  let dispatcher
  let position
  let category
  let workerCategory
  let caseId
  const appealTitle = `楼道堆放杂物影响通行-${STAMP}`

  before(async () => {
    if (!BASE) return
    fs.mkdirSync(OUT, { recursive: true })
    browser = await launchChromium()
  })

  after(async () => {
    await browser?.close()
  })

  test('TONGXIN_E2E_URL is set', () => {
    assert.ok(
      BASE,
      'TONGXIN_E2E_URL is not set: start the server (e.g. tongxin serve with the demo data) and run ' +
        'TONGXIN_E2E_URL=http://127.0.0.1:18080 npm run test:e2e',
    )
  })

  test('a point inside the first microgrid of 海军路社区第1网格, and a category without required fields', async () => {
    assert.ok(BASE, 'TONGXIN_E2E_URL is not set')
    dispatcher = await apiAs('dispatcher')
    const fc = await dispatcher.get(`/api/v1/areas/${GRID}/boundaries?level=microgrid`)
    const first = fc.features[0]
    assert.ok(first, 'the grid has no microgrid boundaries')
    const ring = first.geometry.type === 'Polygon' ? first.geometry.coordinates[0] : first.geometry.coordinates[0][0]
    const xs = ring.map((p) => p[0])
    const ys = ring.map((p) => p[1])
    const [minX, maxX, minY, maxY] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)]
    // The centre of the bounding box first, then points further inward.
    const fractions = [0.5, 0.4, 0.6, 0.3, 0.7, 0.2, 0.8]
    search: for (const fy of fractions) {
      for (const fx of fractions) {
        const lng = minX + (maxX - minX) * fx
        const lat = minY + (maxY - minY) * fy
        const r = await dispatcher.ctx.request.get(`${BASE}/api/v1/locate?lng=${lng}&lat=${lat}&crs=wgs84`)
        if (r.ok() && (await r.json()).microgrid.code === first.properties.code) {
          position = { lng, lat, code: first.properties.code, name: first.properties.name }
          break search
        }
      }
    }
    assert.ok(position, `no point of ${first.properties.code}'s bounding box lies inside it`)

    const { items } = await dispatcher.get('/api/v1/case-categories')
    const parents = items.filter((c) => c.parent_id === null && c.active).sort((a, b) => a.sort - b.sort)
    const usable = parents.flatMap((parent) =>
      items
        .filter((c) => c.parent_id === parent.id && c.active && !(c.fields ?? []).some((f) => f.required))
        .sort((a, b) => a.sort - b.sort)
        .map((child) => ({ parent, child })),
    )
    // A fitting subcategory when the taxonomy has one, else the first usable.
    const prefer = (re) => usable.find((c) => re.test(c.child.name)) ?? usable[0]
    category = prefer(/乱堆|堆放|杂物|环境|卫生/)
    workerCategory = prefer(/井盖|设施|市政|道路/)
    assert.ok(category, 'no active subcategory without required fields')
  })

  test('the resident reports an appeal with a photo in the portal', async () => {
    assert.ok(position && category, 'no position or category')
    const { ctx, page } = await phone(position)
    try {
      await login(page, 'resident')
      assert.equal(new URL(page.url()).pathname, '/m/portal/report', 'a resident lands in the portal')
      await page.getByTestId('tabbar-portal').waitFor()
      await fillReport(page, {
        cat: category,
        title: appealTitle,
        description: '3号楼2单元楼道内堆放纸箱和旧家具，影响通行，存在消防隐患，请尽快处理。',
        file: photo('楼道.png', [200, 120, 60]),
      })
      await page.getByTestId('report-address').locator('input').fill('海军路12号3号楼2单元')
      await page.evaluate(() => window.scrollTo(0, 0))
      await shot(page, 'm-portal-report.png')
      await page.getByTestId('report-submit').click()
      await page.waitForURL((u) => /^\/m\/portal\/appeals\/\d+$/.test(u.pathname))
      caseId = Number(new URL(page.url()).pathname.split('/').pop())
      await page.locator('[data-testid="case-state"][data-state="reported"]').waitFor()
      assert.equal((await page.getByTestId('case-title').textContent()).trim(), appealTitle)
      await page.locator('[data-testid="photo-grid"] [data-testid="photo"]').first().waitFor()
    } finally {
      await ctx.close()
    }
    const c = await dispatcher.get(`/api/v1/cases/${caseId}`)
    assert.equal(c.channel, 'resident')
    assert.equal(c.attachments.length, 1, 'the photo was not uploaded')
    assert.ok(c.area_code.startsWith(GRID), `the appeal was placed in ${c.area_code}, outside ${GRID}`)
  })

  test('the dispatcher accepts it and dispatches it to the grid worker (API)', async () => {
    assert.ok(caseId, 'no case')
    await dispatcher.post(`/api/v1/cases/${caseId}/accept`, { note: '受理' })
    const { items } = await dispatcher.get(`/api/v1/users?area=${GRID}&role=grid_worker`)
    const worker = items.find((u) => u.username === 'gridworker')
    assert.ok(worker, 'the user gridworker is not listed')
    const c = await dispatcher.post(`/api/v1/cases/${caseId}/dispatch`, { assignee_user_id: worker.id, note: '请尽快处置' })
    assert.equal(c.state, 'dispatched')
  })

  test('the grid worker starts and resolves it in the app', async () => {
    assert.ok(caseId, 'no case')
    const { ctx, page } = await phone(position)
    try {
      await login(page, 'gridworker')
      assert.equal(new URL(page.url()).pathname, '/m/app/report', 'a grid worker lands in the app')
      await page.getByTestId('tab-cases').click()
      await page.waitForURL((u) => u.pathname === '/m/app/cases')
      const cell = page.locator(`[data-testid="case-list-assigned"] [data-testid="case-cell"][data-id="${caseId}"]`)
      await cell.waitFor()
      assert.ok((await cell.textContent()).includes(appealTitle))
      await shot(page, 'm-app-todo.png')

      await cell.click()
      await page.waitForURL((u) => u.pathname === `/m/app/cases/${caseId}`)
      await page.locator('[data-testid="case-state"][data-state="dispatched"]').waitFor()
      await page.locator('[data-testid="photo-grid"] [data-testid="photo"]').first().waitFor()
      await shot(page, 'm-app-case.png')

      await page.getByTestId('action-start').click()
      await page.locator('.van-dialog__confirm').click()
      await page.locator('[data-testid="case-state"][data-state="in_progress"]').waitFor()
      await page.waitForFunction(() =>
        [...document.querySelectorAll('.van-toast')].every((e) => getComputedStyle(e).display === 'none'),
      )

      await page.getByTestId('action-resolve').click()
      const popup = page.locator('[data-testid="action-popup"]')
      await popup.locator('[data-action="resolve"]').waitFor()
      await popup.getByTestId('action-note').locator('textarea').fill('已联系物业清理楼道杂物，通道恢复畅通。')
      await popup.getByTestId('action-photos').locator('input[type=file]').setInputFiles(photo('清理后.png', [40, 160, 90]))
      await popup.locator('.van-uploader__preview').first().waitFor()
      await shot(page, 'm-app-resolve.png')
      await popup.getByTestId('action-submit').click()
      await page.locator('[data-testid="case-state"][data-state="resolved"]').waitFor()
      await page.locator('[data-testid="timeline-step"][data-action="resolve"] [data-testid="photo"]').first().waitFor()
    } finally {
      await ctx.close()
    }
    const c = await dispatcher.get(`/api/v1/cases/${caseId}`)
    const resolve = c.timeline.filter((e) => e.action === 'resolve').pop()
    assert.ok(resolve, 'no resolve event')
    assert.equal(resolve.note, '已联系物业清理楼道杂物，通道恢复畅通。')
    assert.equal(c.attachments.filter((a) => a.event_id === resolve.id).length, 1, 'the resolve photo is not on the resolve event')
  })

  test('the secretary verifies it (API)', async () => {
    assert.ok(caseId, 'no case')
    const secretary = await apiAs('secretary')
    const c = await secretary.post(`/api/v1/cases/${caseId}/verify`, { passed: true, note: '现场核查属实，已结案' })
    assert.equal(c.state, 'closed')
    await secretary.ctx.close()
  })

  test('the resident sees it closed and rates it satisfied', async () => {
    assert.ok(caseId, 'no case')
    const { ctx, page } = await phone(position)
    try {
      await login(page, 'resident')
      await page.getByTestId('tab-appeals').click()
      await page.waitForURL((u) => u.pathname === '/m/portal/appeals')
      const cell = page.locator(`[data-testid="case-cell"][data-id="${caseId}"]`)
      await cell.waitFor()
      assert.equal(await cell.getAttribute('data-state'), 'closed')
      assert.ok((await cell.getByTestId('case-state').textContent()).includes('已结案'))
      await cell.click()
      await page.waitForURL((u) => u.pathname === `/m/portal/appeals/${caseId}`)
      await page.getByTestId('rate-hint').waitFor()
      await page.getByTestId('action-rate').click()
      const popup = page.locator('[data-testid="action-popup"]')
      await popup.locator('[data-action="rate"]').waitFor()
      await popup.getByTestId('rating-satisfied').click()
      await popup.getByTestId('action-note').locator('textarea').fill('处理及时，楼道干净了，谢谢网格员！')
      await shot(page, 'm-portal-rate.png')
      await popup.getByTestId('action-submit').click()
      await page.getByTestId('case-rating').waitFor()
      assert.ok((await page.getByTestId('case-rating').textContent()).includes('满意'))
      assert.equal(await page.getByTestId('action-rate').count(), 0, 'the rate button stays after rating')
    } finally {
      await ctx.close()
    }
  })

  test('the API shows the rating and the whole loop in the timeline', async () => {
    assert.ok(caseId, 'no case')
    const c = await dispatcher.get(`/api/v1/cases/${caseId}`)
    assert.equal(c.rating, 'satisfied')
    assert.equal(c.state, 'closed')
    const loop = ['report', 'accept', 'dispatch', 'start', 'resolve', 'verify', 'rate']
    assert.deepEqual(
      c.timeline.map((e) => e.action).filter((a) => loop.includes(a)),
      loop,
    )
  })

  test('offline, the grid worker’s report waits as pending and syncs exactly once', async () => {
    assert.ok(position && category, 'no position or category')
    const title = `离线上报-井盖破损-${STAMP}`
    const { ctx, page } = await phone(position)
    try {
      await login(page, 'gridworker')
      await page.getByTestId('app-report').waitFor()
      await fillReport(page, {
        cat: workerCategory,
        title,
        description: '人行道井盖破损，夜间有行人绊倒风险。',
        file: photo('井盖.png', [90, 90, 200]),
      })
      assert.equal((await page.getByTestId('location-text').textContent()).trim(), position.name, 'the grid worker sees the microgrid')

      await ctx.setOffline(true)
      await page.getByTestId('offline-notice').waitFor()
      await page.getByTestId('report-submit').click()
      await page.waitForURL((u) => u.pathname === '/m/app/cases' && u.searchParams.get('tab') === 'reported')
      const pending = page.locator('[data-testid="pending-item"]', { hasText: title })
      await pending.waitFor()
      assert.equal(await pending.getAttribute('data-status'), 'pending')
      assert.ok((await pending.getByTestId('pending-tag').textContent()).includes('待同步'))
      await shot(page, 'm-app-offline.png')

      await ctx.setOffline(false)
      await pending.waitFor({ state: 'detached', timeout: 45_000 })
      await page.locator('[data-testid="case-list-reported"] [data-testid="case-cell"]', { hasText: title }).waitFor()

      const count = async () => {
        const r = await ctx.request.get(`${BASE}/api/v1/cases?mine=reported&q=${encodeURIComponent(title)}`)
        assert.ok(r.ok(), `GET /cases → ${r.status()}`)
        return (await r.json()).items.filter((c) => c.title === title)
      }
      let found = await count()
      assert.equal(found.length, 1, `the offline report is listed ${found.length} times`)
      const c = await dispatcher.get(`/api/v1/cases/${found[0].id}`)
      assert.equal(c.channel, 'app')
      assert.equal(c.attachments.length, 1, 'the queued photo was not uploaded')
      assert.equal(c.area_code, position.code)

      // Starting the app again syncs again: nothing is left to send, nothing is doubled.
      await page.reload()
      await page.getByTestId('app-cases').waitFor()
      await page.waitForTimeout(1500)
      assert.equal(await page.locator('[data-testid="pending-item"]').count(), 0)
      found = await count()
      assert.equal(found.length, 1, 'the report was filed twice')
    } finally {
      await ctx.close()
    }
  })

  test('the Me page switches to English and back', async () => {
    assert.ok(position, 'no position')
    const { ctx, page } = await phone(position)
    try {
      await login(page, 'gridworker')
      await page.getByTestId('tab-me').click()
      await page.waitForURL((u) => u.pathname === '/m/app/me')
      await page.getByTestId('lang-en').click()
      await page.waitForFunction(() => document.querySelector('[data-testid="tab-me"]')?.textContent?.includes('Me'))
      assert.equal(await page.evaluate(() => document.documentElement.lang), 'en')
      await page.getByTestId('lang-zh').click()
      await page.waitForFunction(() => document.querySelector('[data-testid="tab-me"]')?.textContent?.includes('我的'))
    } finally {
      await ctx.close()
    }
  })

  test('no page threw an error', () => {
    assert.deepEqual(pageErrors, [])
  })
})
