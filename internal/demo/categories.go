package demo

import "github.com/tongxin/tongxin/internal/cases"

// demoCategory is a 大类 with its 小类 and the settings they share.
type demoCategory struct {
	code, name, nameEN string
	level              cases.Level
	dept               string // unit code of the department beyond the subdistrict
	acceptMin          int
	resolveHours       int
	clock              string
	autoEscalate       bool
	dispute            bool
	subs               [][3]string // code suffix, name, English name
	fields             []cases.Field
}

var choiceSeverity = cases.Field{Key: "severity", Label: "紧急程度", LabelEN: "Severity", Type: "single", Required: true, Options: []string{"一般", "较急", "紧急"}}

// demoCategories is a realistic taxonomy for the cases the source article
// describes: disputes, hazards, city appearance, construction hoardings,
// traffic, fire safety, livelihood appeals and enterprise problems.
var demoCategories = []demoCategory{
	{"dispute", "矛盾纠纷", "Disputes", cases.LevelCommunity, "", 120, 72, "working", false, true,
		[][3]string{{"neighbour", "邻里纠纷", "Neighbour dispute"}, {"family", "婚姻家庭纠纷", "Family dispute"}, {"property", "物业纠纷", "Property-management dispute"}, {"labour", "劳资纠纷", "Wage dispute"}},
		[]cases.Field{{Key: "parties", Label: "当事人数", LabelEN: "Parties", Type: "number", Required: true}, choiceSeverity}},
	{"order", "治安隐患", "Public-order hazards", cases.LevelGrid, "dept-gongan", 60, 24, "calendar", true, false,
		[][3]string{{"suspicious", "可疑人员情况", "Suspicious persons"}, {"gathering", "聚集滋事苗头", "Risk of disorder"}, {"rental", "出租房屋隐患", "Rental housing hazard"}},
		[]cases.Field{choiceSeverity}},
	{"appearance", "市容环境", "City appearance", cases.LevelGrid, "dept-chengguan", 120, 48, "working", true, false,
		[][3]string{{"garbage", "垃圾乱堆乱放", "Dumped rubbish"}, {"stall", "占道经营", "Street stalls"}, {"ad", "违规广告牌匾", "Illegal signs"}, {"sorting", "垃圾分类问题", "Waste sorting"}},
		nil},
	{"hoarding", "施工围挡", "Construction hoardings", cases.LevelSubdistrict, "dept-zhujian", 120, 72, "working", true, false,
		[][3]string{{"damaged", "围挡破损倒塌", "Damaged hoarding"}, {"dust", "施工扬尘", "Construction dust"}, {"noise", "夜间施工噪声", "Night-time noise"}},
		[]cases.Field{{Key: "site", Label: "工地名称", LabelEN: "Site", Type: "text", Required: true}}},
	{"traffic", "道路交通", "Roads and traffic", cases.LevelSubdistrict, "dept-jiaotong", 120, 120, "working", false, false,
		[][3]string{{"pothole", "路面破损坑洼", "Potholes"}, {"parking", "车辆乱停乱放", "Illegal parking"}, {"signal", "交通设施损坏", "Damaged traffic facilities"}},
		nil},
	{"safety", "消防安全隐患", "Fire and safety hazards", cases.LevelCommunity, "dept-yingji", 30, 24, "calendar", true, false,
		[][3]string{{"passage", "消防通道堵塞", "Blocked fire lanes"}, {"ebike", "电动车违规充电", "E-bike charging indoors"}, {"gas", "燃气安全隐患", "Gas hazard"}},
		[]cases.Field{choiceSeverity, {Key: "found_on", Label: "发现日期", LabelEN: "Found on", Type: "date", Required: false}}},
	{"livelihood", "民生诉求", "Livelihood appeals", cases.LevelCommunity, "dept-renshe", 240, 120, "working", false, false,
		[][3]string{{"elderly", "养老服务", "Elderly care"}, {"utilities", "水电气暖", "Utilities"}, {"employment", "就业帮扶", "Employment help"}, {"aid", "困难救助", "Hardship aid"}},
		[]cases.Field{{Key: "needs", Label: "诉求类型", LabelEN: "Needs", Type: "multi", Options: []string{"上门服务", "政策咨询", "生活帮扶", "其他"}}}},
	{"enterprise", "企业诉求", "Enterprise problems", cases.LevelSubdistrict, "dept-shichang", 240, 240, "working", false, false,
		[][3]string{{"recruit", "用工招聘", "Recruitment"}, {"finance", "融资贷款", "Financing"}, {"rent", "房租减免", "Rent relief"}, {"permit", "行政审批", "Permits"}},
		[]cases.Field{{Key: "credit_code", Label: "统一社会信用代码", LabelEN: "Unified social credit code", Type: "text", Required: false}}},
	{"environment", "生态环境", "Environment", cases.LevelSubdistrict, "dept-huanjing", 120, 120, "working", false, false,
		[][3]string{{"water", "水体污染", "Water pollution"}, {"air", "油烟废气", "Fumes"}},
		nil},
}

// Categories returns the demo taxonomy for cases, with the departments'
// unit ids filled in from unitIDs (unit code → id).
func Categories(unitIDs map[string]int64) []cases.Category {
	var out []cases.Category
	for i, d := range demoCategories {
		var unit *int64
		if id, ok := unitIDs[d.dept]; ok {
			unit = &id
		}
		parent := cases.Category{Code: d.code, Name: d.name, NameEN: d.nameEN, DefaultLevel: d.level, DepartmentUnitID: unit,
			AcceptMinutes: d.acceptMin, ResolveMinutes: d.resolveHours * 60, SLAClock: d.clock, AutoEscalate: d.autoEscalate,
			Dispute: d.dispute, Active: true, Sort: i, Fields: []cases.Field{}}
		out = append(out, parent)
		for j, s := range d.subs {
			sub := parent
			sub.Code, sub.Name, sub.NameEN, sub.Sort = d.code+"."+s[0], s[1], s[2], j
			sub.Fields = append([]cases.Field(nil), d.fields...)
			out = append(out, sub)
		}
	}
	return out
}
