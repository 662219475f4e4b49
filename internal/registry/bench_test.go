package registry

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"testing"
	"time"
)

// BenchmarkSearchName loads BENCH_SEARCH_PERSONS persons (default
// 2,000,000) straight into SQLite — names, pinyin and area only; the sealed
// columns are dummies, as a name search does not read them — over 300
// microgrids of one subdistrict, then runs name, full-pinyin and initials
// queries in the scope of the subdistrict and of a grid, and reports the
// p50 and p95 latency of the search.
func BenchmarkSearchName(b *testing.B) {
	n := 2_000_000
	if v := os.Getenv("BENCH_SEARCH_PERSONS"); v != "" {
		fmt.Sscan(v, &n)
	}
	s, ctx, _ := benchStore(b)
	surnames := []rune("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤")
	given := []rune("伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉萍红娥玲芬燕彩春菊兰凤洁梅琳素云莲真环雪荣爱妹香月莺媛瑞凡佳嘉琼勤珍贞莉桂娣叶璧璐娅琦晶妍茜秋珊莎锦黛青倩婷姣婉娴瑾颖露瑶怡婵雁蓓纨仪荷丹蓉眉君琴蕊薇菁梦岚苑婕馨瑗琰韵融园艺咏卿聪澜纯毓悦昭冰爽琬茗羽希宁欣飘育滢馥筠柔竹霭凝晓欢霄枫芸菲寒伊亚宜可姬舒影荔枝丽阳妮宝贝初程梵罡恒鸿桦骅剑娇纪宽苛灵玛媚琪晴容睿烁堂唯威韦雯苇萱阅彦宇雨洋忠宗曼紫逸贤蝶菡绿蓝儿翠烟")
	rng := rand.New(rand.NewPCG(1, 2))
	type nm struct{ name, full, inits string }
	names := make([]nm, 0, 20000)
	for len(names) < cap(names) {
		name := string(surnames[rng.IntN(len(surnames))]) + string(given[rng.IntN(len(given))])
		if rng.IntN(2) == 0 {
			name += string(given[rng.IntN(len(given))])
		}
		full, inits := namePinyin(name)
		names = append(names, nm{name, full, inits})
	}
	micro, grids := benchAreas(b, s, ctx)
	t0 := time.Now()
	const per = 500
	tuple := "(?, ?, ?, ?, 'resident_id', 'enc', 'masked', 'registered', 0, 0), "
	q := `INSERT INTO persons (area_code, name, name_pinyin, name_initials, id_type, id_enc, id_masked, residence_type, created_at, updated_at) VALUES ` +
		strings.TrimSuffix(strings.Repeat(tuple, per), ", ")
	w := s.db.Writer()
	for done := 0; done < n; {
		tx, err := w.BeginTx(ctx, nil)
		if err != nil {
			b.Fatal(err)
		}
		st, err := tx.PrepareContext(ctx, q)
		if err != nil {
			b.Fatal(err)
		}
		for k := 0; k < 100 && done < n; k++ {
			args := make([]any, 0, 4*per)
			for i := 0; i < per; i++ {
				x := names[rng.IntN(len(names))]
				args = append(args, micro[rng.IntN(len(micro))], x.name, x.full, x.inits)
			}
			if _, err := st.ExecContext(ctx, args...); err != nil {
				b.Fatal(err)
			}
			done += per
		}
		st.Close()
		if err := tx.Commit(); err != nil {
			b.Fatal(err)
		}
	}
	if _, err := w.ExecContext(ctx, `ANALYZE`); err != nil {
		b.Fatal(err)
	}
	b.Logf("loaded %d persons in %v", n, time.Since(t0).Round(time.Millisecond))
	queries := func(i int) (string, string) {
		x := names[(i*7919)%len(names)]
		scope := benchSubdistrict
		if i%2 == 1 {
			scope = grids[i%len(grids)]
		}
		switch i % 3 {
		case 0:
			return x.name, scope
		case 1:
			return x.full, scope
		}
		return x.inits, scope
	}
	b.ResetTimer()
	var lat []time.Duration
	for it := 0; it < b.N; it++ {
		for i := 0; i < 200; i++ {
			q, scope := queries(i)
			t := time.Now()
			if _, err := s.Search(ctx, q, scope, 20, 0); err != nil {
				b.Fatal(err)
			}
			lat = append(lat, time.Since(t))
		}
	}
	b.StopTimer()
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(lat[len(lat)*95/100].Microseconds())/1000, "p95-ms")
}

func mustExec(tb testing.TB, s *Store, ctx context.Context, q string, args ...any) {
	tb.Helper()
	if _, err := s.db.ExecContext(ctx, q, args...); err != nil {
		tb.Fatal(err)
	}
}

// BenchmarkSearchAddress loads BENCH_ADDRESS_HOUSES houses (default 300,000)
// in buildings of 60 houses over 300 microgrids, a household and a person in
// each, with the address bigrams of each building, straight into SQLite; then
// searches persons by address fragments — street and number, building and
// unit, and a bare room number (which narrows to most buildings) — in the
// scope of the subdistrict and of a grid, and reports p50 and p95.
func BenchmarkSearchAddress(b *testing.B) {
	n := 300_000
	if v := os.Getenv("BENCH_ADDRESS_HOUSES"); v != "" {
		fmt.Sscan(v, &n)
	}
	s, ctx, _ := benchStore(b)
	micro, grids := benchAreas(b, s, ctx)
	streets := []string{"幸福路", "海军路", "长江中路", "武夷山路", "黄河东路", "珠江路", "井冈山路", "香江路", "紫金山路", "太行山路"}
	t0 := time.Now()
	w := s.db.Writer()
	tx, err := w.BeginTx(ctx, nil)
	if err != nil {
		b.Fatal(err)
	}
	exec := func(q string, args ...any) {
		if _, err := tx.ExecContext(ctx, q, args...); err != nil {
			b.Fatal(err)
		}
	}
	const perBuilding = 60 // 2 units × 6 floors × 5 rooms
	for h := 0; h < n; h++ {
		bld := h / perBuilding
		mg := micro[bld%len(micro)]
		street := streets[bld%len(streets)]
		bAddr := fmt.Sprintf("%s%d号", street, bld/len(streets)+1)
		bName := fmt.Sprintf("%d号楼", bld%7+1)
		if h%perBuilding == 0 {
			exec(`INSERT INTO buildings (id, area_code, name, address, floors, units, created_at, updated_at) VALUES (?, ?, ?, ?, 6, 2, 0, 0)`, bld+1, mg, bName, bAddr)
		}
		k := h % perBuilding
		unit, floor, room := fmt.Sprint(k/30+1), k%30/5+1, fmt.Sprintf("%d0%d", k%30/5+1, k%5+1)
		addr := composeAddress(Building{Address: bAddr, Name: bName}, unit, room)
		exec(`INSERT INTO houses (id, building_id, area_code, unit, floor, room, address, usage, owner_name, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, 'owner_occupied', '', 0, 0)`,
			h+1, bld+1, mg, unit, floor, room, addr)
		exec(`INSERT INTO building_grams (gram, building_id) SELECT value, ? FROM json_each(?) WHERE true ON CONFLICT DO NOTHING`, bld+1, jsonStrings(grams(addr)))
		exec(`INSERT INTO households (id, house_id, area_code, household_type, note, created_at, updated_at) VALUES (?, ?, ?, 'family', '', 0, 0)`, h+1, h+1, mg)
		exec(`INSERT INTO persons (id, area_code, household_id, name, residence_type, created_at, updated_at) VALUES (?, ?, ?, '住户', 'registered', 0, 0)`, h+1, mg, h+1)
		if h%20000 == 19999 {
			if err := tx.Commit(); err != nil {
				b.Fatal(err)
			}
			if tx, err = w.BeginTx(ctx, nil); err != nil {
				b.Fatal(err)
			}
		}
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
	if _, err := w.ExecContext(ctx, `ANALYZE`); err != nil {
		b.Fatal(err)
	}
	b.Logf("loaded %d houses in %v", n, time.Since(t0).Round(time.Millisecond))
	queries := func(i int) (string, string) {
		scope := benchSubdistrict
		if i%2 == 1 {
			scope = grids[(i*7)%len(grids)]
		}
		bld := (i * 7919) % (n / perBuilding)
		switch i % 3 {
		case 0:
			return fmt.Sprintf("%s%d号", streets[bld%len(streets)], bld/len(streets)+1), scope
		case 1:
			return fmt.Sprintf("%d号楼%d单元", bld%7+1, i%2+1), scope
		}
		return fmt.Sprintf("%d0%d", i%6+1, i%5+1), scope
	}
	b.ResetTimer()
	var lat []time.Duration
	kinds := [3][]time.Duration{}
	for it := 0; it < b.N; it++ {
		for i := 0; i < 150; i++ {
			q, scope := queries(i)
			t := time.Now()
			got, _, err := s.ListPersons(ctx, PersonFilter{Area: scope, Address: q, Limit: 20})
			if err != nil {
				b.Fatal(err)
			}
			if i%3 == 0 && scope == benchSubdistrict && len(got) == 0 {
				b.Fatalf("nobody at %s", q)
			}
			lat = append(lat, time.Since(t))
			kinds[i%3] = append(kinds[i%3], time.Since(t))
		}
	}
	b.StopTimer()
	pct := func(l []time.Duration, p int) float64 {
		slices.Sort(l)
		return float64(l[len(l)*p/100].Microseconds()) / 1000
	}
	b.ReportMetric(pct(lat, 50), "p50-ms")
	b.ReportMetric(pct(lat, 95), "p95-ms")
	for k, name := range []string{"street", "building-unit", "room"} {
		b.ReportMetric(pct(kinds[k], 95), name+"-p95-ms")
	}
}

func jsonStrings(ss []string) string {
	b, _ := json.Marshal(ss)
	return string(b)
}

// benchSubdistrict is the subdistrict benchStore makes.
const benchSubdistrict = "370211001"

// benchAreas adds, under benchSubdistrict, 10 communities ×
// 3 grids × 10 microgrids (reusing its first of each) and returns the
// microgrid and grid codes.
func benchAreas(b *testing.B, s *Store, ctx context.Context) (micro, grids []string) {
	for c := 1; c <= 10; c++ {
		comm := fmt.Sprintf("%s%03d", benchSubdistrict, c)
		if c > 1 {
			mustExec(b, s, ctx, `INSERT INTO areas (code, parent_code, level, name, valid_from, updated_at) VALUES (?, ?, 'community', ?, 0, 0)`, comm, benchSubdistrict, comm)
		}
		for g := 1; g <= 3; g++ {
			grid := fmt.Sprintf("%s%03d", comm, g)
			grids = append(grids, grid)
			if c > 1 || g > 1 {
				mustExec(b, s, ctx, `INSERT INTO areas (code, parent_code, level, name, valid_from, updated_at) VALUES (?, ?, 'grid', ?, 0, 0)`, grid, comm, grid)
			}
			for m := 1; m <= 10; m++ {
				mg := fmt.Sprintf("%s%03d", grid, m)
				micro = append(micro, mg)
				if c > 1 || g > 1 || m > 1 {
					mustExec(b, s, ctx, `INSERT INTO areas (code, parent_code, level, name, valid_from, updated_at) VALUES (?, ?, 'microgrid', ?, 0, 0)`, mg, grid, mg)
				}
			}
		}
	}
	return micro, grids
}
