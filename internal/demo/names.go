package demo

import (
	"fmt"
	"strings"
)

// Place names. The subdistricts and 富春江路社区, 石梁社区, 前二沟 and 世博城 come from
// the source article; the rest are invented in the local naming style (east–west
// roads after rivers, north–south roads after mountains).

type subdistrictSpec struct {
	suffix, name string
	communities  []string
}

var subdistrictSpecs = []subdistrictSpec{
	{"001", "黄岛街道", []string{
		"海军路社区", "海滨社区", "金沙滩社区", "黄山社区", "嵩山社区", "庐山社区",
		"峨眉山社区", "井冈山社区", "武夷山社区", "太行山社区", "长白山社区", "衡山社区",
		"泰山社区", "华山社区", "珠江路社区", "淮河路社区", "黄河路社区", "漓江路社区",
		"香江路社区", "兴华社区", "凤凰岛社区", "瑞海社区", "隆和社区", "新港社区",
		"港头社区", "海韵社区", "绿岛社区", "前湾社区", "阳光社区",
	}},
	{"002", "长江路街道", []string{
		"富春江路社区", "紫金山路社区", "钱塘江路社区", "嘉陵江路社区", "阿里山路社区", "江山路社区",
	}},
	{"003", "滨海街道", []string{"世博城社区", "古镇口社区", "海湾社区", "南屯社区"}},
	{"004", "辛安街道", []string{"辛安社区", "后石社区", "北庄社区", "庙山社区", "兴隆社区"}},
	{"005", "王台街道", []string{"王台社区", "石梁社区", "前二沟社区", "徐村社区", "田家窑社区"}},
}

// ewRoads name the east–west roads, one per band of rows; nsRoads the
// north–south roads, one per band of columns.
var ewRoads = []string{
	"黑龙江路", "松花江路", "辽河路", "黄河东路", "淮河东路", "长江中路", "汉江路",
	"嘉陵江路", "珠江路", "湘江路", "赣江路", "闽江路", "漓江东路",
}

var nsRoads = []string{
	"昆仑山路", "祁连山路", "天山路", "太行山路", "五台山路", "吕梁山路", "贺兰山路",
	"六盘山路", "秦岭路", "大别山路", "井冈山路", "峨眉山路", "武夷山路", "庐山路",
	"嵩山路", "衡山路", "泰山路", "华山路", "黄山路", "长白山路", "天目山路",
	"九华山路", "雁荡山路", "普陀山路", "崂山路", "珠山路",
}

const (
	rowsPerRoad = 3 // an east–west road every 3 rows of cells (~450 m)
	colsPerRoad = 4 // a north–south road every 4 columns (~600 m)
)

func ewRoad(rowLine int) string { return ewRoads[min(rowLine/rowsPerRoad, len(ewRoads)-1)] }
func nsRoad(colLine int) string { return nsRoads[min(colLine/colsPerRoad, len(nsRoads)-1)] }

// quarterNames label the polygons of area heads (区片长).
var quarterNames = []string{
	"汇丰", "瑞和", "金港", "海悦", "锦绣", "丽晶", "书香", "嘉和", "福瀛", "欧陆",
	"山海", "怡园", "馨苑", "华庭", "青云", "翠湖", "万福", "东方", "明珠", "聚贤",
}

// departments are the district units outside the tree that receive escalated cases.
var departments = []struct{ code, name string }{
	{"dept-chengguan", "区综合行政执法局(城管执法)"},
	{"dept-zhujian", "区住房和城乡建设局"},
	{"dept-gongan", "青岛市公安局黄岛分局"},
	{"dept-shichang", "区市场监督管理局"},
	{"dept-huanjing", "青岛市生态环境局西海岸新区分局"},
	{"dept-yingji", "区应急管理局"},
	{"dept-jiaotong", "区交通运输局"},
	{"dept-renshe", "区人力资源和社会保障局"},
}

// Surnames roughly in order of frequency; the picker favours the front of the list.
var surnames = []rune("王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗于姜韩薛梁宋郑谢唐许冯邓曹彭曾肖田董袁潘蒋蔡杜叶程苏魏吕丁任沈姚卢崔钟谭陆范金石贾夏付方白邹孟秦邱江尹段侯史郝孔")

var givenMale = []rune("伟强磊军勇杰涛明超斌鹏辉刚健峰建国志海波华平东亮俊文振兴宇浩凯博瑞富广成龙庆永昊")
var givenFemale = []rune("芳娜敏静丽艳娟霞秀英玲萍红燕婷雪琳慧莉洁倩颖蕾欣晶丹梅兰妮悦")

// rng is splitmix64: tiny, and unlike math/rand its output is fixed forever, so
// the same seed gives the same dataset on every Go release.
type rng struct{ s uint64 }

func newRNG(seed int64) *rng { return &rng{s: uint64(seed)} }

func (r *rng) next() uint64 {
	r.s += 0x9e3779b97f4a7c15
	z := r.s
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

func (r *rng) intn(n int) int       { return int(r.next() % uint64(n)) }
func (r *rng) between(a, b int) int { return a + r.intn(b-a+1) } // inclusive
func (r *rng) float() float64       { return float64(r.next()>>11) / (1 << 53) }

// perm returns a random permutation of 0..n-1.
func (r *rng) perm(n int) []int {
	p := make([]int, n)
	for i := range p {
		j := r.intn(i + 1)
		p[i], p[j] = p[j], i
	}
	return p
}

// personName draws a Chinese name: a surname and a one- or two-character given name.
func (r *rng) personName() string {
	f := r.float()
	var b strings.Builder
	b.WriteRune(surnames[int(f*f*float64(len(surnames)))])
	given := givenMale
	if r.intn(2) == 0 {
		given = givenFemale
	}
	first := r.intn(len(given))
	b.WriteRune(given[first])
	if r.intn(3) > 0 { // two thirds of given names have two characters
		second := (first + 1 + r.intn(len(given)-1)) % len(given)
		b.WriteRune(given[second])
	}
	return b.String()
}

var mobilePrefixes = []string{
	"130", "131", "132", "133", "134", "135", "136", "137", "138", "139",
	"150", "151", "152", "153", "155", "156", "157", "158", "159",
	"180", "181", "182", "183", "184", "185", "186", "187", "188", "189",
}

// mobile draws an 11-digit mainland mobile number not in used, and records it.
func (r *rng) mobile(used map[string]bool) string {
	for {
		p := mobilePrefixes[r.intn(len(mobilePrefixes))] + fmt.Sprintf("%08d", r.intn(100000000))
		if !used[p] {
			used[p] = true
			return p
		}
	}
}
