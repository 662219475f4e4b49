// Browser test of registry editing in the console (issue #4) against a running
// Tongxin server with the demo data: the secretary of 海军路社区 registers a
// building, a house in it, opens a household, registers a new citizen into it
// (first with a wrong ID check digit, which the server refuses at the field),
// edits the person and sets a tag, and reads the person's history in words.
// The admin, who holds registry:configure, finds the tag list in the menu.
//   TONGXIN_E2E_URL=http://127.0.0.1:18391 node --test e2e/registry-edit.test.mjs
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import path from 'node:path'
import { BASE, OUT, useBrowser, consoleLogin, withCheckDigit } from './support/env.mjs'

const WAIT = 30_000
const STAMP = Date.now()
const SUFFIX = String(STAMP).slice(-5)

let browser
let page // the secretary's console
const pageErrors = []
const ids = {} // building, house, household, person

async function shot(p, name) {
  await p.waitForTimeout(400)
  await p.screenshot({ path: path.join(OUT, name), fullPage: false })
}

/** A valid GB 11643 ID number, different on every run (born 1988, Qingdao Huangdao). */
function idNumber() {
  const seq = String(STAMP % 1000).padStart(3, '0')
  const day = String((Math.floor(STAMP / 1000) % 28) + 1).padStart(2, '0')
  return withCheckDigit(`370211198805${day}${seq}`)
}

/** Chooses an option of the Element Plus select inside `scope` by its text. */
async function choose(scope, text) {
  await scope.click()
  await page.locator('.el-select-dropdown__item:visible').filter({ hasText: text }).first().click()
}

/** The text box of an Element Plus input: the test id sits on the <input> itself or on a wrapper. */
function input(p, testId) {
  return p.locator(`input[data-testid="${testId}"], [data-testid="${testId}"] input`).first()
}

/** Types a date into an Element Plus date picker. */
async function typeDate(p, testId, day) {
  const box = input(p, testId)
  await box.fill(day)
  await box.press('Enter')
}

/** The error text shown under a form item. */
function fieldError(dialog, label) {
  return dialog.locator('.el-form-item').filter({ has: page.locator('.el-form-item__label', { hasText: label }) }).locator('.el-form-item__error')
}

describe('registry editing', () => {
  const NAME = ['郝雨萱', '孔令轩', '罗思琪', '葛文博', '付佳宁'][STAMP % 5]

  useBrowser((b) => (browser = b))

  test('the secretary registers a building in a microgrid of 海军路社区', async () => {
    assert.ok(browser, 'no browser')
    const ctx = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'zh-CN' })
    ctx.setDefaultTimeout(WAIT)
    page = await ctx.newPage()
    page.on('pageerror', (err) => pageErrors.push(String(err)))
    await consoleLogin(page, 'secretary')

    await page.goto(`${BASE}/registry/buildings`)
    await page.getByTestId('reg-building-link').first().waitFor()
    assert.equal(await page.getByRole('menuitem', { name: '人员标签' }).count(), 0, 'the secretary sees the tag list without registry:configure')
    await page.getByTestId('reg-building-new').click()
    const dialog = page.getByTestId('reg-building-form')
    await dialog.waitFor()

    // Nothing filled in: the client-side checks name the fields.
    await page.getByTestId('reg-building-save').click()
    await fieldError(dialog, '地址').filter({ hasText: '请填写地址' }).waitFor()
    await fieldError(dialog, '所在微网格').waitFor()

    // The microgrid: community → first grid → first microgrid in the lazy tree.
    await page.getByTestId('reg-building-area').locator('.el-select').click()
    const popper = page.locator('.el-tree-select__popper:visible')
    await popper.locator('.el-tree-node__expand-icon').first().click()
    const grid = popper.locator('.el-tree-node__children .el-tree-node').first()
    await grid.locator('.el-tree-node__expand-icon').first().click()
    const microgrid = grid.locator('.el-tree-node__children .el-tree-node').first()
    await microgrid.waitFor()
    await microgrid.locator('.el-tree-node__content').first().click()

    await input(page, 'reg-building-address').fill(`海军路${SUFFIX}号`)
    await input(page, 'reg-building-name').fill('E2E楼')
    await input(page, 'reg-building-floors').fill('6')
    await input(page, 'reg-building-units').fill('2')
    await shot(page, 'registry-edit-building-form.png')
    await page.getByTestId('reg-building-save').click()
    await page.waitForURL((u) => /^\/registry\/buildings\/\d+$/.test(u.pathname))
    ids.building = Number(new URL(page.url()).pathname.split('/').pop())
    await page.locator('h2').filter({ hasText: `海军路${SUFFIX}号` }).waitFor()
    // The building's history shows its registration in words.
    await page.getByTestId('history-field').filter({ hasText: '登记' }).first().waitFor()
  })

  test('the secretary registers a house in the building', async () => {
    assert.ok(ids.building, 'no building')
    await page.getByTestId('reg-house-new').click()
    const dialog = page.getByTestId('reg-house-form')
    await dialog.waitFor()
    await input(page, 'reg-house-unit').fill('1')
    await input(page, 'reg-house-floor').fill('3')
    await input(page, 'reg-house-room').fill('301')
    await choose(page.getByTestId('reg-house-usage'), '出租')
    await input(page, 'reg-house-area').fill('89.5')
    await input(page, 'reg-house-owner').fill('王建国')
    await shot(page, 'registry-edit-house-form.png')
    await page.getByTestId('reg-house-save').click()
    await dialog.waitFor({ state: 'hidden' })
    const card = page.getByTestId('reg-house-card').filter({ hasText: '301' })
    await card.waitFor()
    await card.click()
    await page.waitForURL((u) => /^\/registry\/houses\/\d+$/.test(u.pathname))
    ids.house = Number(new URL(page.url()).pathname.split('/').pop())
    await page.locator('h2').filter({ hasText: `海军路${SUFFIX}号` }).waitFor()
    assert.match(await page.locator('h2').textContent(), /1单元301室/)

    // Edit: the usage changes, and the house's history says so in words.
    await page.getByTestId('reg-house-edit').click()
    await page.getByTestId('reg-house-form').waitFor()
    await choose(page.getByTestId('reg-house-usage'), '自住')
    await page.getByTestId('reg-house-save').click()
    await page.getByTestId('reg-house-form').waitFor({ state: 'hidden' })
    const usageRow = page.getByTestId('reg-history').locator('tr').filter({ has: page.locator('[data-field="usage"]') })
    await usageRow.waitFor()
    assert.match(await usageRow.textContent(), /用途.*出租.*自住/)
  })

  test('the secretary opens a household in the house', async () => {
    assert.ok(ids.house, 'no house')
    await page.getByTestId('reg-household-new').click()
    await page.getByTestId('reg-household-form').waitFor()
    await page.getByTestId('reg-household-save').click()
    await page.waitForURL((u) => /^\/registry\/households\/\d+$/.test(u.pathname))
    ids.household = Number(new URL(page.url()).pathname.split('/').pop())
    await page.getByTestId('reg-member-register').waitFor()
  })

  test('a wrong ID check digit is refused at the field; the new citizen joins the household', async () => {
    assert.ok(ids.household, 'no household')
    await page.getByTestId('reg-member-register').click()
    const dialog = page.getByTestId('reg-person-form')
    await dialog.waitFor()
    const good = idNumber()
    const bad = good.slice(0, 17) + (good[17] === '0' ? '1' : '0')
    await input(page, 'reg-person-name').fill(NAME)
    await input(page, 'reg-person-id').fill(bad)
    await choose(page.getByTestId('reg-person-residence'), '新市民')
    await input(page, 'reg-person-origin').fill('山东省临沂市兰山区')
    await input(page, 'reg-person-employer').fill('海尔集团黄岛工业园')
    await choose(page.getByTestId('reg-person-tenancy'), '租住')
    await typeDate(page, 'reg-person-moved-in', '2026-09-01')
    await page.getByTestId('reg-person-save').click()

    // The server's problem (GB 11643 check digit) shows under the ID number, in Chinese.
    const err = fieldError(dialog, '身份证号')
    await err.waitFor()
    const text = (await err.textContent()).trim()
    assert.match(text, /[\u4e00-\u9fff]/, `the field error is not in Chinese: ${text}`)
    assert.match(text, /校验/, `the field error does not name the check digit: ${text}`)
    await shot(page, 'registry-edit-person-error.png')

    await input(page, 'reg-person-id').fill(good)
    await page.getByTestId('reg-person-save').click()
    await dialog.waitFor({ state: 'hidden' })
    const member = page.getByTestId('reg-member-name').filter({ hasText: NAME })
    await member.waitFor()
    // The first member is the head; the file's history names the member and the head in words.
    await page.locator('.el-descriptions').filter({ hasText: NAME }).first().waitFor()
    const fields = await page.getByTestId('history-field').allTextContents()
    for (const f of ['成员', '户主', '建户']) assert.ok(fields.includes(f), `the household history lacks ${f}: ${fields}`)
    await page.evaluate(() => {
      for (const el of document.querySelectorAll('.tx-main, .tx-body')) el.scrollTop = 0
    })
    await shot(page, 'registry-edit-household-file.png')
    await member.click()
    await page.waitForURL((u) => /^\/registry\/persons\/\d+$/.test(u.pathname))
    ids.person = Number(new URL(page.url()).pathname.split('/').pop())
  })

  test('the secretary edits the person and sets a tag; the history reads in Chinese', async () => {
    assert.ok(ids.person, 'no person')
    await page.getByTestId('reg-person-edit').click()
    const dialog = page.getByTestId('reg-person-form')
    await dialog.waitFor()
    // A malformed phone is caught before the round trip.
    await input(page, 'reg-person-phone').fill('12345')
    await page.getByTestId('reg-person-save').click()
    await fieldError(dialog, '联系电话').waitFor()
    const phone = '1390532' + String(STAMP % 10_000).padStart(4, '0')
    await input(page, 'reg-person-phone').fill(phone)
    await typeDate(page, 'reg-person-moved-in', '2026-09-15')
    await shot(page, 'registry-edit-person-form.png')
    await page.getByTestId('reg-person-save').click()
    await dialog.waitFor({ state: 'hidden' })
    await page.locator('.el-descriptions').filter({ hasText: '2026-09-15' }).waitFor()
    await page.locator('.el-descriptions').filter({ hasText: phone.slice(0, 3) + '****' + phone.slice(-4) }).waitFor()

    await page.getByTestId('reg-person-tags').click()
    const tags = page.getByTestId('reg-tags-form')
    await tags.waitFor()
    const box = tags.locator('.el-checkbox').first()
    await box.waitFor()
    const tagName = (await box.textContent()).trim()
    await box.click()
    await page.getByTestId('reg-tags-save').click()
    await tags.waitFor({ state: 'hidden' })
    await page.getByTestId('reg-person-tag').filter({ hasText: tagName }).waitFor()

    // The history: field labels in Chinese, never the raw codes.
    await page.getByTestId('history-field').filter({ hasText: '标签' }).first().waitFor()
    const rows = await page.getByTestId('history-field').evaluateAll((els) => els.map((e) => ({ code: e.getAttribute('data-field'), text: e.textContent.trim() })))
    const byCode = Object.fromEntries(rows.map((r) => [r.code, r.text]))
    assert.equal(byCode.moved_in_on, '迁入日期')
    assert.equal(byCode.phone, '联系电话')
    assert.equal(byCode.tags, '标签')
    assert.equal(byCode.created, '登记')
    for (const r of rows) assert.notEqual(r.text, r.code, `raw field code shown: ${r.code}`)
    const table = await page.getByTestId('reg-history').textContent()
    assert.doesNotMatch(table, /moved_in_on|new_citizen|head_person_id/, 'the history shows raw codes')
    await page.evaluate(() => {
      for (const el of document.querySelectorAll('.tx-main, .tx-body')) el.scrollTop = 10_000
    })
    await shot(page, 'registry-edit-person-history.png')
  })

  test('the member leaves and is added back as a registered person', async () => {
    assert.ok(ids.household, 'no household')
    await page.goto(`${BASE}/registry/households/${ids.household}`)
    const row = page.getByTestId('reg-members').locator('tr').filter({ hasText: NAME })
    await row.getByTestId('reg-member-leave').click()
    await page.locator('.el-message-box').getByRole('button', { name: /确定|OK/ }).click()
    await row.getByTestId('reg-member-leave').waitFor({ state: 'detached' })
    await page.getByTestId('history-field').filter({ hasText: '成员' }).nth(1).waitFor()

    await page.getByTestId('reg-member-add').click()
    const dialog = page.getByTestId('reg-member-form')
    await dialog.waitFor()
    await page.getByTestId('reg-member-person').click()
    await page.keyboard.type(NAME)
    await page.locator('.el-select-dropdown__item:visible').filter({ hasText: NAME }).first().click()
    await shot(page, 'registry-edit-member-form.png')
    await page.getByTestId('reg-member-save').click()
    await dialog.waitFor({ state: 'hidden' })
    await page.getByTestId('reg-members').locator('tr').filter({ hasText: NAME }).getByTestId('reg-member-leave').waitFor()
  })

  test('the secretary records an appeal, changes its status, and closes the household', async () => {
    assert.ok(ids.household, 'no household')
    await page.goto(`${BASE}/registry/households/${ids.household}`)
    await page.getByTestId('reg-appeal-add').click()
    const dialog = page.getByTestId('reg-appeal-form')
    await dialog.waitFor()
    await page.getByTestId('reg-entry-save').click()
    await fieldError(dialog, '诉求内容').filter({ hasText: '请填写' }).waitFor()
    await page.getByTestId('reg-entry-content').fill('楼道灯不亮，请物业维修')
    await page.getByTestId('reg-entry-save').click()
    await dialog.waitFor({ state: 'hidden' })
    await page.getByTestId('reg-appeals').locator('tr').filter({ hasText: '楼道灯不亮' }).waitFor()
    await choose(page.getByTestId('reg-appeal-status').first(), '处理中')
    await page.getByTestId('history-field').filter({ hasText: '诉求状态' }).waitFor()
    const row = page.getByTestId('reg-history').locator('tr').filter({ has: page.locator('[data-field="appeal_status"]') })
    assert.match(await row.textContent(), /待处理.*处理中/)

    await page.getByTestId('reg-household-close').click()
    await page.locator('.el-message-box').getByRole('button', { name: /确定|OK/ }).click()
    await page.getByTestId('reg-household-closed').waitFor()
    assert.equal(await page.getByTestId('reg-member-register').count(), 0, 'a closed household still takes members')
    await page.getByTestId('history-field').filter({ hasText: '注销' }).waitFor()
    await page.context().close()
  })

  test('the admin manages the tag list from the menu', async () => {
    assert.ok(browser, 'no browser')
    const ctx = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'zh-CN' })
    ctx.setDefaultTimeout(WAIT)
    const admin = await ctx.newPage()
    admin.on('pageerror', (err) => pageErrors.push(String(err)))
    await consoleLogin(admin, 'admin', 'district-demo-2026')
    await admin.getByRole('menuitem', { name: '人员标签' }).click()
    await admin.waitForURL((u) => u.pathname === '/registry/tags')
    await admin.getByTestId('reg-tag-table').locator('tbody tr').first().waitFor()

    await admin.getByTestId('reg-tag-new').click()
    const dialog = admin.getByTestId('reg-tag-form')
    await dialog.waitFor()
    const code = `e2e_${SUFFIX}`
    await input(admin, 'reg-tag-code').fill(code)
    await input(admin, 'reg-tag-name').fill(`测试标签${SUFFIX}`)
    await input(admin, 'reg-tag-name-en').fill(`E2E tag ${SUFFIX}`)
    await admin.getByTestId('reg-tag-save').click()
    await dialog.waitFor({ state: 'hidden' })
    const row = admin.locator('.el-table__row').filter({ hasText: code })
    await row.waitFor()

    // The same code again: the server's conflict shows at the code field.
    await admin.getByTestId('reg-tag-new').click()
    await input(admin, 'reg-tag-code').fill(code)
    await input(admin, 'reg-tag-name').fill('重复')
    await admin.getByTestId('reg-tag-save').click()
    await dialog.locator('.el-form-item__error').filter({ hasText: '已存在' }).waitFor()
    await shot(admin, 'registry-edit-tags.png')
    await admin.getByRole('button', { name: '取消' }).click()

    // Retire it.
    await row.getByTestId('reg-tag-edit').click()
    await admin.getByTestId('reg-tag-active').click()
    await admin.getByTestId('reg-tag-save').click()
    await row.filter({ hasText: '已停用' }).waitFor()
    await ctx.close()
  })

  test('the dispatcher (registry:read only) sees no edit buttons', async () => {
    assert.ok(ids.person && ids.building, 'nothing to look at')
    const ctx = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'zh-CN' })
    ctx.setDefaultTimeout(WAIT)
    const p = await ctx.newPage()
    p.on('pageerror', (err) => pageErrors.push(String(err)))
    await consoleLogin(p, 'dispatcher')
    await p.goto(`${BASE}/registry/persons/${ids.person}`)
    await p.getByTestId('reg-history').locator('tbody tr').first().waitFor()
    for (const id of ['reg-person-edit', 'reg-person-tags']) assert.equal(await p.getByTestId(id).count(), 0, `${id} shown without registry:write`)
    await p.goto(`${BASE}/registry/buildings/${ids.building}`)
    await p.getByTestId('reg-house-card').first().waitFor()
    for (const id of ['reg-building-edit', 'reg-house-new']) assert.equal(await p.getByTestId(id).count(), 0, `${id} shown without registry:write`)
    await p.goto(`${BASE}/registry/buildings`)
    await p.getByTestId('reg-building-link').first().waitFor()
    assert.equal(await p.getByTestId('reg-building-new').count(), 0, 'new building shown without registry:write')
    await ctx.close()
  })

  test('no page errors', () => {
    assert.deepEqual(pageErrors, [])
  })
})
