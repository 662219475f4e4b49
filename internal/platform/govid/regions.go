package govid

// provinces maps the two-digit province-level prefix of a GB/T 2260
// administrative division code to its name. 81, 82 and 83 are also the
// prefixes of residence permits for Hong Kong, Macau and Taiwan residents
// (港澳台居民居住证), whose numbers follow the citizen ID layout.
var provinces = map[string]string{
	"11": "北京市",
	"12": "天津市",
	"13": "河北省",
	"14": "山西省",
	"15": "内蒙古自治区",
	"21": "辽宁省",
	"22": "吉林省",
	"23": "黑龙江省",
	"31": "上海市",
	"32": "江苏省",
	"33": "浙江省",
	"34": "安徽省",
	"35": "福建省",
	"36": "江西省",
	"37": "山东省",
	"41": "河南省",
	"42": "湖北省",
	"43": "湖南省",
	"44": "广东省",
	"45": "广西壮族自治区",
	"46": "海南省",
	"50": "重庆市",
	"51": "四川省",
	"52": "贵州省",
	"53": "云南省",
	"54": "西藏自治区",
	"61": "陕西省",
	"62": "甘肃省",
	"63": "青海省",
	"64": "宁夏回族自治区",
	"65": "新疆维吾尔自治区",
	"71": "台湾省",
	"81": "香港特别行政区",
	"82": "澳门特别行政区",
	"83": "台湾地区（居住证）",
}

// ProvinceName returns the Chinese name of the province-level division that
// a region code (or any string starting with one, such as a citizen ID
// number) belongs to.
func ProvinceName(code string) (string, bool) {
	if len(code) < 2 {
		return "", false
	}
	name, ok := provinces[code[:2]]
	return name, ok
}

// validCitizenRegion checks a six-digit region code at province level. A
// full GB/T 2260 table would go stale (counties are merged and renamed every
// year while old ID numbers stay valid for life), so below the province we
// only reject the all-zero remainder. Residence permits are the exception:
// they carry exactly 810000, 820000 or 830000.
func validCitizenRegion(region string) bool {
	p := region[:2]
	if _, ok := provinces[p]; !ok {
		return false
	}
	switch p {
	case "81", "82", "83":
		return true
	}
	return region[2:] != "0000"
}
