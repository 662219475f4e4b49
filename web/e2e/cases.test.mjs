// Browser test of the case pages against a running Tongxin server with the demo data.
//   TONGXIN_E2E_URL=http://127.0.0.1:18080 node --test e2e/cases.test.mjs
// The dispatcher files a case from the hotline form (location picked on the map in
// 海军路社区), accepts it and dispatches it to the grid worker; the list filters it and
// shows it on the map; a department handler (without cases:read) finds a case handed to
// the unit; the admin sees the demo categories. Self-contained: it creates
// its own case (another test walks a case of its own through the mobile app).
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { BASE, OUT, launchChromium } from './support/env.mjs'

const DEMO_PASSWORD = 'tongxin-demo-2026'
const ADMIN_PASSWORD = 'district-demo-2026'
const COMMUNITY = '370211001001' // 海军路社区, the demo's first community
const WAIT = 30_000

let browser
let context
let page
const pageErrors = []
const state = { title: '', caseId: 0, gridWorkerName: '' }

async function shot(name) {
  // Toasts of earlier steps would cover the page.
  await page.evaluate(() => document.querySelectorAll('.el-message').forEach((e) => e.remove()))
  await page.screenshot({ path: path.join(OUT, name), fullPage: false })
}

/** GET an API path with the page's session. */
async function api(p) {
  return page.evaluate(async (url) => {
    const res = await fetch(url, { headers: { Accept: 'application/json' } })
    if (!res.ok) throw new Error(`${url}: HTTP ${res.status} ${await res.text()}`)
    return res.json()
  }, '/api/v1' + p)
}

async function login(username, password) {
  await page.goto(BASE + '/login')
  await page.getByTestId('login-username').fill(username)
  await page.getByTestId('login-password').fill(password)
  await page.getByTestId('login-submit').click()
  await page.waitForURL((u) => u.pathname === '/overview')
  await page.getByTestId('user-name').waitFor()
}

async function caseStateIs(label) {
  await page.waitForFunction(
    (l) => document.querySelector('[data-testid="case-title"]')?.parentElement?.querySelector('[data-testid="case-state"]')?.textContent?.trim() === l,
    label,
  )
}

async function runAction(action) {
  await page.getByTestId(`case-action-${action}`).click()
  const dialog = page.locator(`[data-testid="action-dialog"][data-action="${action}"]`)
  await dialog.waitFor()
  return dialog
}

async function noSpinners(scope) {
  await page.waitForFunction((s) => !document.querySelector(`${s} .el-loading-mask`), scope)
}

describe('case pages', { timeout: 300_000 }, () => {
  before(async () => {
    if (!BASE) return
    fs.mkdirSync(OUT, { recursive: true })
    browser = await launchChromium()
    context = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' })
    context.setDefaultTimeout(WAIT)
    page = await context.newPage()
    page.on('pageerror', (err) => pageErrors.push(String(err)))
  })

  after(async () => {
    await browser?.close()
  })

  test('TONGXIN_E2E_URL is set', () => {
    assert.ok(
      BASE,
      'TONGXIN_E2E_URL is not set: start the server with the demo data and run ' +
        'TONGXIN_E2E_URL=http://127.0.0.1:18080 node --test e2e/cases.test.mjs',
    )
  })

  test('the dispatcher files a hotline case located on the map', async () => {
    assert.ok(BASE, 'TONGXIN_E2E_URL is not set')
    await login('dispatcher', DEMO_PASSWORD)
    await page.getByTestId('nav-cases').click()
    await page.waitForURL((u) => u.pathname === '/cases')
    await page.getByTestId('cases-table').waitFor()

    // The category: a 小类 of 矛盾纠纷 when the demo has one, else the first active 小类.
    const { items: cats } = await api('/case-categories')
    const parents = cats.filter((c) => c.parent_id === null && c.active)
    const children = cats.filter((c) => c.parent_id !== null && c.active && parents.some((p) => p.id === c.parent_id))
    assert.ok(children.length > 0, 'no active subcategory in the demo')
    const dispute = parents.find((p) => p.name === '矛盾纠纷')
    const child = children.find((c) => dispute && c.parent_id === dispute.id) ?? children[0]
    const parent = parents.find((p) => p.id === child.parent_id)

    await page.getByTestId('cases-new').click()
    const form = page.getByTestId('case-form')
    await form.waitFor()
    await page.getByTestId('case-form-category').click()
    await page.locator('.tx-case-form-cascader .el-cascader-menu').first().locator('.el-cascader-node', { hasText: parent.name }).first().click()
    await page.locator('.tx-case-form-cascader .el-cascader-menu').nth(1).locator('.el-cascader-node', { hasText: child.name }).first().click()
    await page.waitForFunction(
      (name) => (document.querySelector('[data-testid="case-form-category"] input')?.value ?? '').includes(name),
      child.name,
    )

    state.title = `楼道堆放杂物影响通行 e2e-${Date.now().toString(36)}`
    await page.getByTestId('case-form-title').fill(state.title)
    await page.getByTestId('case-form-description').fill('居民来电：3 单元楼道内长期堆放纸箱和旧家具，影响通行，存在消防隐患。')

    // The point: the centre of the bounding box of the community's first grid.
    const fc = await api(`/areas/${COMMUNITY}/boundaries?level=grid`)
    assert.ok(fc.features.length > 0, 'the first community has no grids')
    const grid = fc.features[0]
    const pts = (grid.geometry.type === 'Polygon' ? [grid.geometry.coordinates] : grid.geometry.coordinates).flat(2)
    const lngs = pts.map((p) => p[0])
    const lats = pts.map((p) => p[1])
    const box = { w: Math.min(...lngs), e: Math.max(...lngs), s: Math.min(...lats), n: Math.max(...lats) }
    const centre = { lng: (box.w + box.e) / 2, lat: (box.s + box.n) / 2 }
    await page.waitForFunction(() => !!window.__txCaseMap)
    await noSpinners('[data-testid="case-form-map"]')
    const pt = await page.evaluate(({ box, centre }) => {
      const map = window.__txCaseMap
      map.fitBounds([[box.s, box.w], [box.n, box.e]], { animate: false, padding: [20, 20] })
      const p = map.latLngToContainerPoint([centre.lat, centre.lng])
      const r = map.getContainer().getBoundingClientRect()
      return { x: r.left + p.x, y: r.top + p.y }
    }, { box, centre })
    await page.mouse.click(pt.x, pt.y)
    const chain = page.getByTestId('case-form-chain')
    await chain.waitFor()
    await page.waitForFunction(() => document.querySelector('[data-testid="case-form-chain"]')?.textContent?.includes('海军路社区'))

    await page.getByTestId('case-form-address').fill('海军路社区 12 号楼 3 单元')
    await page.getByTestId('case-form-reporter-name').fill('王女士')
    await page.getByTestId('case-form-reporter-phone').fill('13905321234')

    // Required extra fields of the category, by type.
    for (const f of child.fields.filter((x) => x.required)) {
      const item = page.getByTestId(`extra-${f.key}`)
      if (f.type === 'text') await item.locator('input').fill('示例')
      else if (f.type === 'number') await item.locator('input').fill('2')
      else if (f.type === 'date') {
        await item.locator('input').fill('2026-01-05')
        await item.locator('input').press('Enter')
      } else if (f.type === 'single') {
        if (f.options.length <= 5) await item.locator('.el-radio').first().click()
        else {
          await item.locator('.el-select').click()
          await page.locator('.el-select-dropdown__item:visible').first().click()
        }
      } else if (f.type === 'multi') {
        if (f.options.length <= 6) await item.locator('.el-checkbox').first().click()
        else {
          await item.locator('.el-select').click()
          await page.locator('.el-select-dropdown__item:visible').first().click()
          await page.keyboard.press('Escape')
        }
      }
    }
    await page.getByTestId('case-form-title').click() // close any open picker
    await shot('case-new.png')

    await page.getByTestId('case-form-submit').click()
    await page.waitForURL((u) => /^\/cases\/\d+$/.test(u.pathname))
    state.caseId = Number(new URL(page.url()).pathname.split('/').pop())
    await page.getByTestId('case-title').waitFor()
    assert.equal((await page.getByTestId('case-title').textContent()).trim(), state.title)
    await caseStateIs('已上报')
    const steps = page.getByTestId('timeline-step')
    await steps.first().waitFor()
    assert.equal(await steps.count(), 1)
    assert.equal(await steps.first().getAttribute('data-action'), 'report')
    assert.match(await steps.first().textContent(), /上报/)
    assert.match(await page.getByTestId('case-area').textContent(), /海军路社区/)
  })

  test('the dispatcher accepts the case and dispatches it to the grid worker', async () => {
    assert.ok(state.caseId, 'no case was created')
    let dialog = await runAction('accept')
    await dialog.getByTestId('action-submit').click()
    await caseStateIs('已受理')

    const users = await api(`/users?area=${COMMUNITY}`)
    const gw = users.items.find((u) => u.username === 'gridworker')
    assert.ok(gw, 'the user gridworker is not listed for the community')
    state.gridWorkerName = gw.display_name

    dialog = await runAction('dispatch')
    await dialog.getByTestId('action-user').click()
    await dialog.getByTestId('action-user').locator('input').fill(gw.display_name)
    await page.getByTestId('action-user-gridworker').click()
    await dialog.getByTestId('action-note').fill('请网格员尽快到现场核实处理。')
    await dialog.getByTestId('action-submit').click()
    await caseStateIs('已派遣')
    await page.waitForFunction(
      (name) => document.querySelector('[data-testid="case-assignee"]')?.textContent?.includes(name),
      gw.display_name,
    )
    const actions = await page.getByTestId('timeline-step').evaluateAll((els) => els.map((e) => e.getAttribute('data-action')))
    assert.deepEqual(actions, ['report', 'accept', 'dispatch'])
    await page.locator('[data-testid="case-timeline"] [data-action="dispatch"]').scrollIntoViewIfNeeded()
    await page.evaluate(() => document.querySelector('.tx-main')?.scrollTo(0, 0))
    // Let the action dialog finish closing so that it is not in the picture.
    await page.waitForFunction(() => [...document.querySelectorAll('.el-overlay')].every((o) => getComputedStyle(o).display === 'none'))
    await shot('case-page.png')
  })

  test('the list filters by state and the map view shows the case', async () => {
    assert.ok(state.caseId, 'no case was created')
    await page.getByTestId('nav-cases').click()
    await page.waitForURL((u) => u.pathname === '/cases')
    await page.getByTestId('filter-state').click()
    await page.getByTestId('filter-state-dispatched').click()
    const row = page.getByTestId(`case-row-${state.caseId}`)
    await row.waitFor()
    await noSpinners('[data-testid="cases-table"]')
    const states = await page.locator('[data-testid="cases-table"] [data-testid="case-state"]').evaluateAll((els) => [
      ...new Set(els.map((e) => e.textContent.trim())),
    ])
    assert.deepEqual(states, ['已派遣'])
    await page.mouse.move(0, 0)
    await shot('cases-list.png')

    await page.getByTestId('cases-view-map').click()
    await page.waitForFunction((id) => window.__txCasesMap?.ids.includes(id), state.caseId)
    await noSpinners('[data-testid="cases-map"]')
    const markers = await page.locator('path.tx-case-marker').count()
    assert.ok(markers >= 1, 'no marker on the map')
    // Open the case's popup and follow its link.
    const pt = await page.evaluate((id) => {
      const { map } = window.__txCasesMap
      let target = null
      map.eachLayer((l) => {
        if (l.getLatLng && l.getPopup && l.getPopup()?.getContent()?.includes(`data-case="${id}"`)) target = l
      })
      if (!target) return null
      // Earlier runs may have left cases at the same point: put this one on top.
      target.bringToFront()
      if (!map.getBounds().pad(-0.1).contains(target.getLatLng())) map.setView(target.getLatLng(), map.getZoom(), { animate: false })
      const p = map.latLngToContainerPoint(target.getLatLng())
      const r = map.getContainer().getBoundingClientRect()
      return { x: r.left + p.x, y: r.top + p.y }
    }, state.caseId)
    assert.ok(pt, 'the case has no marker')
    await page.mouse.click(pt.x, pt.y)
    const link = page.locator(`.leaflet-popup [data-case="${state.caseId}"]`)
    await link.waitFor()
    assert.match(await page.locator('.leaflet-popup').textContent(), /已派遣/)
    await page.mouse.move(pt.x + 200, pt.y + 200)
    await page.waitForFunction(() => getComputedStyle(document.querySelector('.leaflet-popup')).opacity === '1')
    await shot('cases-map.png')
    await link.click()
    await page.waitForURL((u) => u.pathname === `/cases/${state.caseId}`)
    await caseStateIs('已派遣')
  })

  test('a department handler finds the case handed to the unit in the console', async () => {
    assert.ok(BASE, 'TONGXIN_E2E_URL is not set')
    // The dispatcher hands an 占道经营 case to its department (the 城管 unit the demo's
    // department handler works for), through the API with the page's session.
    const handed = await page.evaluate(async (community) => {
      const json = async (res) => {
        if (!res.ok) throw new Error(`${res.url}: HTTP ${res.status} ${await res.text()}`)
        return res.json()
      }
      const { csrf_token: csrf } = await json(await fetch('/api/v1/auth/me'))
      const post = async (url, body) =>
        json(await fetch('/api/v1' + url, { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf }, body: JSON.stringify(body) }))
      const cat = (await json(await fetch('/api/v1/case-categories'))).items.find((c) => c.name === '占道经营')
      const c = await post('/cases', { category_id: cat.id, title: `占道经营 ${Date.now()}`, description: '路口有流动摊贩占道', area_code: community, channel: 'hotline' })
      await post(`/cases/${c.id}/accept`, {})
      await post(`/cases/${c.id}/dispatch`, { assignee_unit_id: cat.department_unit_id, note: '请城管执法处置' })
      return { id: c.id, unit: cat.department_unit_name }
    }, COMMUNITY)
    await page.getByTestId('logout').click()
    await page.waitForURL((u) => u.pathname === '/login')
    await login('dept', DEMO_PASSWORD)
    const me = await api('/auth/me')
    assert.ok(!me.user.permissions.includes('cases:read'), 'the department handler holds cases:read: the test proves nothing')
    // The menu offers the cases page without cases:read; the list holds the case.
    await page.getByTestId('nav-cases').click()
    await page.waitForURL((u) => u.pathname === '/cases')
    const row = page.getByTestId(`case-row-${handed.id}`)
    await row.waitFor()
    await noSpinners('[data-testid="cases-table"]')
    await page.mouse.move(0, 0)
    await shot('cases-list-department.png')
    await page.goto(`${BASE}/cases/${handed.id}`)
    await caseStateIs('已派遣')
    assert.match(await page.locator('body').textContent(), new RegExp(handed.unit.replace(/[()]/g, '\\$&')))
    await page.getByTestId('case-action-start').waitFor()
  })

  test('the admin sees the demo categories', async () => {
    assert.ok(BASE, 'TONGXIN_E2E_URL is not set')
    await page.getByTestId('logout').click()
    await page.waitForURL((u) => u.pathname === '/login')
    await login('admin', ADMIN_PASSWORD)
    await page.getByTestId('nav-case-categories').click()
    await page.waitForURL((u) => u.pathname === '/cases/categories')
    await page.getByTestId('categories-table').waitFor()
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="category-row-name"]').length > 1)
    const names = await page.getByTestId('category-row-name').evaluateAll((els) => els.map((e) => e.textContent.trim()))
    assert.ok(names.includes('矛盾纠纷'), `矛盾纠纷 is not among the categories: ${names.join(', ')}`)
    await noSpinners('[data-testid="categories-table"]')
    await shot('case-categories.png')
  })

  test('no uncaught errors in the page', () => {
    assert.deepEqual(pageErrors, [])
  })
})
