// Browser test of the registry's field work against a running Tongxin server
// with the demo data: the secretary imports a persons ledger with errors
// (all-or-nothing: rejected, nothing stored; valid rows: three imported)
// and a large one whose progress is followed to its result, all of them
// listed among the recent imports;
// starts a verification campaign (摸排) over 海军路社区; the grid worker
// records a visit with a correction in the phone app; the secretary then sees
// the verification-channel history, the visit note in the household file
// and the campaign's coverage on the map, and drills down from the community
// into a grid (breadcrumb, figures, ?area= link) and back.
//   TONGXIN_E2E_URL=http://127.0.0.1:18130 node --test e2e/registry-work.test.mjs
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import path from 'node:path'
import { BASE, OUT, useBrowser, apiAs, consoleLogin, withCheckDigit } from './support/env.mjs'

const PASSWORD = 'tongxin-demo-2026'
const WAIT = 30_000
const STAMP = Date.now()
const COMMUNITY = '370211001001' // 海军路社区

let browser
const pageErrors = []

async function shot(page, name) {
  await page.waitForTimeout(400)
  await page.screenshot({ path: path.join(OUT, name), fullPage: false })
}

/** A valid GB 11643 ID number; n makes it differ within a run, STAMP across runs. */
function idNumber(n) {
  const seq = String((STAMP + n * 7) % 1000).padStart(3, '0')
  const day = String(((Math.floor(STAMP / 1000) + n) % 28) + 1).padStart(2, '0')
  const month = String((n % 12) + 1).padStart(2, '0')
  const first = `370211198${n % 10}${month}${day}${seq}`
  return withCheckDigit(first)
}

function wrongCheckDigit(id) {
  return id.slice(0, 17) + (id[17] === '0' ? '1' : '0')
}

/** Notes in the page whether the import's progress bar is ever shown (window.__sawProgress). */
async function watchProgress(page) {
  await page.evaluate(() => {
    window.__progressObserver?.disconnect()
    window.__sawProgress = false
    const mo = new MutationObserver(() => {
      if (document.querySelector('[data-testid="reg-import-progress"]')) window.__sawProgress = true
    })
    mo.observe(document.body, { childList: true, subtree: true })
    window.__progressObserver = mo
  })
}

async function chooseLedger(page, csv, mode, name = `ledger-${mode}.csv`) {
  await page.getByTestId(mode === 'valid_rows' ? 'reg-import-mode-valid' : 'reg-import-mode-all').click()
  await page.getByTestId('reg-import-file').setInputFiles({ name, mimeType: 'text/csv', buffer: Buffer.from(csv, 'utf8') })
  await watchProgress(page)
}

async function uploadLedger(page, csv, mode) {
  await chooseLedger(page, csv, mode)
  await page.getByTestId('reg-import-submit').click()
  await page.getByTestId('reg-import-result').waitFor()
  assert.ok(await page.evaluate(() => window.__sawProgress), 'the progress bar was never shown')
}

/** The rows of the recent-imports list, newest first: file name and outcome. */
async function recentImports(page) {
  const rows = page.getByTestId('reg-import-jobs').locator('.el-table__body .el-table__row')
  const out = []
  for (let i = 0; i < (await rows.count()); i++) {
    const row = rows.nth(i)
    out.push({
      file: (await row.getByTestId('reg-import-job-file').textContent()).trim(),
      outcome: (await row.getByTestId('reg-import-job-state').count()) ? await row.getByTestId('reg-import-job-state').getAttribute('data-outcome') : 'running',
      text: (await row.textContent()).replace(/\s+/g, ' '),
    })
  }
  return out
}

/**
 * A ledger of n good rows in one building and a last one without a name:
 * all or nothing reads them all and stores none. ID numbers of 北京东城
 * (110101), which the demo district does not use.
 */
function largeLedger(address, n) {
  const lines = ['楼栋地址,单元,房号,姓名,证件号码,联系电话,居住类型,与户主关系']
  const C = '甲乙丙丁戊己庚辛壬癸子丑寅卯辰巳午未申酉'
  const start = Date.UTC(1950, 0, 1)
  for (let i = 0; i < n; i++) {
    const d = new Date(start + Math.floor(i / 900) * 86_400_000)
    const ymd = `${d.getUTCFullYear()}${String(d.getUTCMonth() + 1).padStart(2, '0')}${String(d.getUTCDate()).padStart(2, '0')}`
    const id = withCheckDigit(`110101${ymd}${(i % 900) + 100}`)
    lines.push(`${address},2,${8000 + Math.floor(i / 4)},测${C[i % 20]}${C[Math.floor(i / 20) % 20]},${id},,常住人口,${i % 4 === 0 ? '户主' : '子女'}`)
  }
  lines.push(`${address},2,9999,,${withCheckDigit('11010119800101999')},,常住人口,户主`)
  return lines
}

describe('registry field work', () => {
  let secretary // console page
  const SURNAMES = ['宋', '鲁', '柏', '卜', '庞']
  const sur = SURNAMES[STAMP % SURNAMES.length]
  const suffix = ['子墨', '雨萱', '浩然', '思琪', '一鸣', '梓涵'][Math.floor(STAMP / 7) % 6]
  const GOOD = [`${sur}${suffix}`, `${sur}晓${suffix[1]}`, `${sur}小${suffix[0]}`]
  let campaignId
  const campaignName = `海军路社区入户摸排 ${String(STAMP).slice(-5)}`
  let visitPerson // { id, name, phone }
  let visitHouse // { id, area_code, household_id }

  useBrowser((b) => (browser = b))

  test('the secretary imports a ledger: all-or-nothing is rejected, valid rows go in', async () => {
    assert.ok(browser, 'no browser')
    const api = await apiAs(browser, 'secretary')
    const tpl = await api.ctx.request.get(`${BASE}/api/v1/registry/import/template.xlsx`)
    assert.equal(tpl.status(), 200, 'the template does not download')
    const body = await tpl.body()
    assert.equal(body.subarray(0, 2).toString(), 'PK', 'the template is not an xlsx file')

    const buildings = await api.get(`/registry/buildings?area=${COMMUNITY}&limit=20`)
    const building = buildings.items.find((b) => b.address)
    assert.ok(building, 'no demo building in 海军路社区')
    const countNamed = async () => {
      let n = 0
      for (const name of GOOD) n += (await api.get(`/registry/persons?name=${encodeURIComponent(name)}`)).items.filter((p) => p.name === name).length
      return n
    }
    assert.equal(await countNamed(), 0, 'the test persons exist already')

    const room = `9${String(STAMP % 100).padStart(2, '0')}`
    const ids = [idNumber(1), idNumber(2), idNumber(3), idNumber(4), idNumber(5)]
    const csv = [
      '楼栋地址,单元,房号,姓名,证件号码,联系电话,居住类型,与户主关系',
      `${building.address},1,${room},${GOOD[0]},${ids[0]},13905320${String(STAMP % 1000).padStart(3, '0')},常住人口,户主`,
      `${building.address},1,${room},${GOOD[1]},${ids[1]},,常住人口,配偶`,
      `${building.address},1,${room},${sur}错号,${wrongCheckDigit(ids[3])},,常住人口,子女`,
      `${building.address},1,${room},${GOOD[2]},${ids[2].toLowerCase()},,户籍人口,子女`,
      `${building.address},1,${room},,${ids[4]},,常住人口,其他`,
    ].join('\r\n')

    const ctx = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'zh-CN' })
    ctx.setDefaultTimeout(WAIT)
    secretary = await ctx.newPage()
    secretary.on('pageerror', (err) => pageErrors.push(String(err)))
    await consoleLogin(secretary, 'secretary')
    await secretary.goto(`${BASE}/registry/import`)
    await secretary.getByTestId('reg-import-template').waitFor()

    // All or nothing: refused, the two problems listed, nothing stored.
    await uploadLedger(secretary, csv, 'all_or_nothing')
    await secretary.getByTestId('reg-import-rejected').waitFor()
    assert.equal((await secretary.getByTestId('reg-import-rows').textContent()).trim(), '5')
    assert.equal((await secretary.getByTestId('reg-import-invalid').textContent()).trim(), '2')
    assert.equal((await secretary.getByTestId('reg-import-imported').textContent()).trim(), '0')
    const problems = secretary.getByTestId('reg-import-problems').locator('tbody tr')
    assert.ok((await problems.count()) >= 2, 'fewer than 2 problems listed')
    const table = await secretary.getByTestId('reg-import-problems').textContent()
    assert.match(table, /证件号码/, 'the ID number problem is not listed')
    assert.match(table, /姓名/, 'the missing name is not listed')
    const href = await secretary.getByTestId('reg-import-report').getAttribute('href')
    assert.ok(href, 'no error report link')
    const report = await secretary.request.get(`${BASE}${href}`)
    assert.equal(report.status(), 200, 'the error report does not download')
    assert.equal((await report.body()).subarray(0, 2).toString(), 'PK', 'the error report is not an xlsx file')
    assert.equal(await countNamed(), 0, 'a rejected import stored persons')
    await shot(secretary, 'registry-import-errors.png')

    // Valid rows only: the three good rows go in.
    await uploadLedger(secretary, csv, 'valid_rows')
    await secretary.waitForFunction(() => document.querySelector('[data-testid="reg-import-result"]')?.getAttribute('data-stored') === 'true')
    assert.equal((await secretary.getByTestId('reg-import-imported').textContent()).trim(), '3')
    assert.equal((await secretary.getByTestId('reg-import-invalid').textContent()).trim(), '2')
    assert.equal(await countNamed(), 3, 'the valid rows were not stored')
    await api.ctx.close()

    // Both imports are listed, newest first, with their outcomes.
    await secretary.getByTestId('reg-import-jobs').locator('[data-outcome="partial"]').first().waitFor()
    const recent = await recentImports(secretary)
    assert.deepEqual(
      recent.slice(0, 2).map((r) => [r.file, r.outcome]),
      [
        ['ledger-valid_rows.csv', 'partial'],
        ['ledger-all_or_nothing.csv', 'rejected'],
      ],
    )
    assert.match(recent[0].text, /5 \/ 3 \/ 2/, 'the counts of the valid-rows import are not listed')
  })

  test('a large ledger shows its progress, then its result, and is listed among the recent imports', async () => {
    assert.ok(secretary, 'no console page')
    const api = await apiAs(browser, 'secretary')
    const building = (await api.get(`/registry/buildings?area=${COMMUNITY}&limit=20`)).items.find((b) => b.address)
    await api.ctx.close()
    // 20,000 good rows and a last one without a name: all or nothing reads
    // them all (a couple of seconds) and stores none. ID numbers of 北京东城
    // (110101), which the demo district does not use.
    const N = 20_000
    const lines = largeLedger(building.address, N)
    const name = `ledger-large-${STAMP}.csv`

    await secretary.goto(`${BASE}/registry/import`)
    await secretary.getByTestId('reg-import-jobs').waitFor()
    await chooseLedger(secretary, lines.join('\r\n'), 'all_or_nothing', name)
    await secretary.getByTestId('reg-import-submit').click()
    await secretary.getByTestId('reg-import-progress').waitFor()
    // While it runs (if it still does once the server has read some of it):
    // the bar with its percentage, the file, the rows read so far.
    const midway = await secretary
      .waitForFunction(() => Number(document.querySelector('[data-testid="reg-import-progress"]')?.getAttribute('data-percent')) > 0, null, { timeout: 5000, polling: 50 })
      .then(() => true)
      .catch(() => false)
    if (midway) {
      const running = (await secretary.getByTestId('reg-import-running').textContent()) ?? ''
      await secretary.screenshot({ path: path.join(OUT, 'registry-import-progress.png'), fullPage: false })
      assert.ok(running.includes(name), 'the progress does not name the file')
      assert.match(running, /已读 \d+ 行/, 'the progress does not count the rows read')
    }
    await secretary.getByTestId('reg-import-rejected').waitFor()
    assert.ok(await secretary.evaluate(() => window.__sawProgress), 'the progress bar was never shown')
    assert.equal((await secretary.getByTestId('reg-import-rows').textContent()).trim(), String(N + 1))
    assert.equal((await secretary.getByTestId('reg-import-invalid').textContent()).trim(), '1')
    assert.equal((await secretary.getByTestId('reg-import-imported').textContent()).trim(), '0')
    assert.equal(await secretary.getByTestId('reg-import-progress').count(), 0, 'the progress bar stays after the import')

    await secretary.getByTestId('reg-import-jobs').locator('.el-table__row').first().getByTestId('reg-import-job-state').waitFor()
    const [latest] = await recentImports(secretary)
    assert.equal(latest.file, name)
    assert.equal(latest.outcome, 'rejected')
    assert.match(latest.text, new RegExp(`${N + 1} / 0 / 1`), 'the counts of the large import are not listed')
    assert.equal(await secretary.getByTestId('reg-import-jobs').locator('.el-table__row').first().getByTestId('reg-import-job-report').count(), 1, 'no report link in the list')
    await secretary.getByTestId('reg-import-jobs').scrollIntoViewIfNeeded()
    await shot(secretary, 'registry-import-jobs.png')
  })

  test('an import started elsewhere is followed when the import page opens', async () => {
    assert.ok(secretary, 'no console page')
    const api = await apiAs(browser, 'secretary')
    const building = (await api.get(`/registry/buildings?area=${COMMUNITY}&limit=20`)).items.find((b) => b.address)
    const name = `ledger-resumed-${STAMP}.csv`
    const csrf = (await api.get('/auth/me')).csrf_token
    const res = await api.ctx.request.post(`${BASE}/api/v1/registry/import?mode=all_or_nothing`, {
      headers: { Prefer: 'respond-async', 'X-CSRF-Token': csrf },
      multipart: { file: { name, mimeType: 'text/csv', buffer: Buffer.from(largeLedger(building.address, 40_000).join('\r\n'), 'utf8') } },
    })
    assert.equal(res.status(), 202, await res.text())
    await api.ctx.close()
    await secretary.goto(`${BASE}/registry/import`)
    // The page finds the running import among the recent ones and shows its
    // progress, then its outcome.
    await secretary.getByTestId('reg-import-running').waitFor()
    assert.ok(((await secretary.getByTestId('reg-import-running').textContent()) ?? '').includes(name), 'the followed import is not named')
    await secretary.getByTestId('reg-import-rejected').waitFor({ timeout: 60_000 })
    assert.equal((await secretary.getByTestId('reg-import-rows').textContent()).trim(), '40001')
  })

  test('a ledger without the template columns fails, its problem shown in the UI language (English)', async () => {
    assert.ok(browser, 'no browser')
    const ctx = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'en-US' })
    ctx.setDefaultTimeout(WAIT)
    await ctx.addInitScript(() => localStorage.setItem('tongxin.locale', 'en'))
    const page = await ctx.newPage()
    page.on('pageerror', (err) => pageErrors.push(String(err)))
    await consoleLogin(page, 'secretary')
    await page.goto(`${BASE}/registry/import`)
    await page.getByTestId('reg-import-jobs').waitFor()
    const name = `not-a-ledger-${STAMP}.csv`
    await chooseLedger(page, '编号,备注\r\n1,无\r\n', 'valid_rows', name)
    await page.getByTestId('reg-import-submit').click()
    const alert = page.getByTestId('reg-import-failed')
    await alert.waitFor()
    assert.match((await alert.textContent()) ?? '', /lacks the required columns/, 'the English detail is not shown')
    assert.equal(await page.getByTestId('reg-import-result').count(), 0, 'a failed import shows a result')
    await page.getByTestId('reg-import-jobs').locator('[data-outcome="failed"]').first().waitFor()
    const [latest] = await recentImports(page)
    assert.deepEqual([latest.file, latest.outcome], [name, 'failed'])
    assert.match(latest.text, /Failed/)
    await shot(page, 'registry-import-failed-en.png')
    await ctx.close()
  })

  test('the secretary creates and activates a campaign over 海军路社区', async () => {
    assert.ok(secretary, 'no console page')
    const name = campaignName
    await secretary.goto(`${BASE}/registry/campaigns`)
    await secretary.getByTestId('reg-campaign-new').click()
    await secretary.getByTestId('reg-campaign-area').click()
    await secretary.locator('.el-select-dropdown__item').filter({ hasText: COMMUNITY }).first().click()
    await secretary.getByTestId('reg-campaign-name').fill(name)
    await secretary.getByTestId('reg-campaign-save').click()
    const row = secretary.locator('.el-table__row').filter({ hasText: name })
    await row.waitFor()
    await row.getByTestId('reg-campaign-activate').click()
    await row.getByTestId('reg-campaign-state').filter({ hasText: '进行中' }).waitFor()

    const api = await apiAs(browser, 'secretary')
    const list = await api.get('/registry/campaigns?state=active&limit=100')
    await api.ctx.close()
    const c = list.items.find((x) => x.name === name)
    assert.ok(c, 'the campaign is not active')
    assert.equal(c.area_code, COMMUNITY)
    campaignId = c.id
  })

  test('the grid worker records a visit with a correction in the phone app', async () => {
    assert.ok(campaignId, 'no campaign')
    const api = await apiAs(browser, 'gridworker')
    const hhs = await api.get('/registry/households?limit=50')
    const hh = hhs.items.find((h) => h.members >= 1)
    assert.ok(hh, 'the grid worker sees no household')
    const house = await api.get(`/registry/houses/${hh.house_id}`)
    assert.ok(house.area_code.startsWith(COMMUNITY), `house ${house.id} is outside 海军路社区`)
    const members = await api.get(`/registry/persons?household_id=${hh.id}`)
    await api.ctx.close()
    const person = members.items[0]
    assert.ok(person, 'the household has no members')
    visitPerson = { id: person.id, name: person.name, phone: '139' + String(STAMP % 100_000_000).padStart(8, '0') }
    visitHouse = { id: house.id, area_code: house.area_code, household_id: hh.id }

    const ctx = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true, locale: 'zh-CN' })
    ctx.setDefaultTimeout(WAIT)
    const page = await ctx.newPage()
    page.on('pageerror', (err) => pageErrors.push(String(err)))
    await page.goto(`${BASE}/m/`)
    await page.waitForURL((u) => u.pathname === '/m/login')
    await page.getByTestId('login-username').locator('input').fill('gridworker')
    await page.getByTestId('login-password').locator('input').fill(PASSWORD)
    await page.getByTestId('login-submit').click()
    await page.waitForURL((u) => u.pathname !== '/m/login')

    await page.getByTestId('tab-grid').click()
    await page.waitForURL((u) => u.pathname === '/m/app/grid')
    await page.locator(`[data-building-id="${house.building_id}"]`).click()
    await page.waitForURL((u) => u.pathname === `/m/app/grid/buildings/${house.building_id}`)
    await page.locator(`[data-house-id="${house.id}"]`).click()
    await page.waitForURL((u) => u.pathname === `/m/app/grid/houses/${house.id}`)
    await page.getByTestId('m-visit-record').click()
    await page.waitForURL((u) => u.pathname === `/m/app/grid/houses/${house.id}/visit/${campaignId}`)

    await page.getByTestId('m-visit-outcome-corrected').click()
    await page.getByTestId(`m-visit-member-${person.id}`).click()
    await page.getByTestId('m-visit-phone').locator('input').fill(visitPerson.phone)
    await page.getByTestId('m-visit-note').locator('textarea').fill('住户反映手机号已更换，当面核实')
    await page.getByTestId('m-visit-outcome').evaluate((el) => window.scrollTo(0, el.getBoundingClientRect().top + window.scrollY - 110))
    await shot(page, 'm-registry-visit.png')
    await page.getByTestId('m-visit-submit').click()
    await page.waitForURL((u) => u.pathname === `/m/app/grid/houses/${house.id}`)
    await page.getByTestId('m-campaign').filter({ hasText: '信息已更正' }).waitFor()
    await ctx.close()
  })

  test('the secretary sees the verification history and the coverage on the map', async () => {
    assert.ok(secretary && visitPerson && campaignId, 'nothing to check')
    await secretary.goto(`${BASE}/registry/persons/${visitPerson.id}`)
    await secretary.getByTestId('history-channel').filter({ hasText: '摸排核查' }).first().waitFor()
    await secretary.evaluate(() => {
      const h = document.querySelector('[data-testid="reg-history"]')
      h?.scrollIntoView({ block: 'start' })
    })
    await shot(secretary, 'registry-person-history.png')

    const api = await apiAs(browser, 'secretary')
    const fig = await api.get(`/registry/campaigns/${campaignId}/figures`)
    await api.ctx.close()
    assert.ok(fig.total.visited >= 1 && fig.total.coverage > 0, `coverage is ${fig.total.coverage}`)
    assert.ok(fig.total.corrections >= 1, 'the correction is not counted')

    await secretary.goto(`${BASE}/registry/campaigns/${campaignId}`)
    await secretary.waitForFunction(() => Number(document.querySelector('[data-testid="reg-campaign-map"]')?.getAttribute('data-features')) > 0)
    const labels = secretary.locator('.tx-cov-label')
    await labels.first().waitFor()
    const texts = await labels.allTextContents()
    const above0 = (s) => /(<0\.1|\d+(\.\d+)?)%/.test(s) && !/(^|\s)0%/.test(s)
    assert.ok(texts.some(above0), `no area on the map has coverage above 0: ${texts.join(' | ')}`)
    assert.ok(above0((await secretary.getByTestId('reg-fig-coverage').textContent()) ?? ''), 'the total coverage shows 0')
    await secretary.getByTestId('reg-campaign-legend').waitFor()
    await secretary.mouse.move(700, 80)
    await shot(secretary, 'registry-campaign.png')
  })

  test('the household file lists the campaign visit as a verification note', async () => {
    assert.ok(secretary && visitHouse && campaignId, 'nothing to check')
    await secretary.goto(`${BASE}/registry/households/${visitHouse.household_id}`)
    const row = secretary.getByTestId('reg-visits').locator('.el-table__row').filter({ hasText: campaignName })
    await row.waitFor()
    const text = await row.textContent()
    assert.ok(text.includes(`摸排任务“${campaignName}”：信息已更正`), `the note does not name the campaign and outcome: ${text}`)
    assert.match(text, /住户反映手机号已更换/, `the note does not carry the worker's note: ${text}`)
    assert.match(text, /更正 1 人/, `the note does not count the correction: ${text}`)
    assert.equal((await row.getByTestId('reg-visit-channel').textContent()).trim(), '摸排核查')
    await secretary.getByTestId('reg-visits').scrollIntoViewIfNeeded()
    await shot(secretary, 'registry-file-campaign-visit.png')
  })

  test('the secretary drills from the community into a grid and back', async () => {
    assert.ok(secretary && visitHouse && campaignId, 'nothing to check')
    const grid = visitHouse.area_code.slice(0, 15)
    const api = await apiAs(browser, 'secretary')
    const top = await api.get(`/registry/campaigns/${campaignId}/figures`)
    const g = await api.get(`/registry/campaigns/${campaignId}/figures?area=${grid}`)
    await api.ctx.close()
    assert.ok(g.total.houses < top.total.houses, `grid ${grid} holds all ${top.total.houses} houses: nothing to tell apart`)
    const sub = async () => ((await secretary.getByTestId('reg-fig-coverage').locator('.tx-stat-sub').textContent()) ?? '').replace(/[·\s]/g, '')
    const crumbs = secretary.getByTestId('reg-campaign-crumbs')

    await secretary.goto(`${BASE}/registry/campaigns/${campaignId}`)
    await crumbs.waitFor()
    await secretary.waitForFunction(() => Number(document.querySelector('[data-testid="reg-campaign-map"]')?.getAttribute('data-features')) > 0)
    assert.equal(await sub(), `${top.total.visited}/${top.total.houses}`)
    assert.equal(await crumbs.getByTestId('reg-campaign-crumb').count(), 0, 'the campaign area has a crumb above it')
    const communityFeatures = await secretary.getByTestId('reg-campaign-map').getAttribute('data-features')

    // Click the grid in the per-area table.
    await secretary.getByTestId('reg-campaign-areas').locator(`[data-testid="reg-campaign-drill"][data-code="${grid}"]`).click()
    await secretary.waitForURL((u) => u.searchParams.get('area') === grid)
    await secretary.waitForFunction((code) => document.querySelector('[data-testid="reg-campaign-crumbs"]')?.getAttribute('data-area') === code, grid)
    await secretary.waitForFunction((want) => document.querySelector('[data-testid="reg-fig-coverage"] .tx-stat-sub')?.textContent?.replace(/[·\s]/g, '') === want, `${g.total.visited}/${g.total.houses}`)
    assert.equal((await crumbs.getByTestId('reg-campaign-crumb-current').textContent()).trim(), g.total.name)
    assert.equal((await crumbs.getByTestId('reg-campaign-crumb').allTextContents()).map((x) => x.trim()).join('/'), top.total.name)
    assert.notEqual(await sub(), `${top.total.visited}/${top.total.houses}`, 'the figures did not change')
    // The table and the map show the grid's microgrids; the unvisited list follows the grid.
    const codes = await secretary.getByTestId('reg-campaign-areas').getByTestId('reg-campaign-drill').evaluateAll((els) => els.map((e) => e.getAttribute('data-code')))
    assert.ok(codes.length > 0 && codes.every((c) => c.length === 18 && c.startsWith(grid)), `children of the grid: ${codes}`)
    await secretary.waitForFunction((n) => {
      const f = document.querySelector('[data-testid="reg-campaign-map"]')?.getAttribute('data-features')
      return Number(f) > 0 && f !== n
    }, communityFeatures)
    // Leaflet fades the old labels out over 200 ms before removing them.
    await secretary.waitForFunction(() => document.querySelectorAll('.tx-cov-label').length === Number(document.querySelector('[data-testid="reg-campaign-map"]')?.getAttribute('data-features')))
    const labels = await secretary.locator('.tx-cov-label').allTextContents()
    const names = new Set(g.children.map((c) => c.name))
    assert.ok(labels.length > 0 && labels.every((l) => names.has(l.replace(/\s\S*%$/, ''))), `map labels are not the grid's microgrids: ${labels.join(' | ')}`)
    assert.ok((await secretary.getByTestId('reg-campaign-unvisited-title').textContent()).includes(g.total.name), 'the unvisited list does not follow the grid')
    const unvisitedShown = await secretary.getByTestId('reg-campaign-unvisited').locator('.el-table__row').count()
    assert.ok(unvisitedShown > 0 && unvisitedShown <= Math.min(50, g.total.houses - g.total.visited), `${unvisitedShown} unvisited houses shown in grid ${grid}`)
    await secretary.evaluate(() => window.scrollTo(0, 0))
    await secretary.mouse.move(700, 80)
    await shot(secretary, 'registry-campaign-drill.png')

    // A link with ?area= opens the drill-down directly; the breadcrumb leads back up.
    await secretary.goto(`${BASE}/registry/campaigns/${campaignId}?area=${grid}`)
    await secretary.waitForFunction((want) => document.querySelector('[data-testid="reg-fig-coverage"] .tx-stat-sub')?.textContent?.replace(/[·\s]/g, '') === want, `${g.total.visited}/${g.total.houses}`)
    await crumbs.getByTestId('reg-campaign-crumb').first().click()
    await secretary.waitForURL((u) => !u.searchParams.has('area'))
    await secretary.waitForFunction((want) => document.querySelector('[data-testid="reg-fig-coverage"] .tx-stat-sub')?.textContent?.replace(/[·\s]/g, '') === want, `${top.total.visited}/${top.total.houses}`)
    assert.equal((await crumbs.getByTestId('reg-campaign-crumb-current').textContent()).trim(), top.total.name)

    // Clicking a grid on the map drills down too.
    await secretary.waitForFunction(() => Number(document.querySelector('[data-testid="reg-campaign-map"]')?.getAttribute('data-features')) > 0)
    await secretary.locator(`path.tx-cov-area[data-code="${grid}"]`).click()
    await secretary.waitForURL((u) => u.searchParams.get('area') === grid)
    await secretary.waitForFunction((code) => document.querySelector('[data-testid="reg-campaign-crumbs"]')?.getAttribute('data-area') === code, grid)
  })

  test('no page errors', () => {
    assert.deepEqual(pageErrors, [])
  })
})
