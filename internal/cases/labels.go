package cases

// Chinese labels for messages and notifications.
var stateZH = map[State]string{
	Reported: "已上报", Accepted: "已受理", Rejected: "不予受理", Merged: "已合并", Dispatched: "已派遣",
	InProgress: "处置中", Resolved: "已办结待核查", Closed: "已结案", Reopened: "重新办理", Suspended: "已挂起",
}

var actionZH = map[Action]string{
	ActAccept: "受理", ActReject: "不予受理", ActMerge: "合并", ActDispatch: "派遣", ActStart: "开始处置",
	ActResolve: "办结", ActVerify: "核查", ActReopen: "重新办理", ActSuspend: "挂起", ActResume: "解挂",
	ActEscalate: "上报", ActHandDown: "下派", ActRate: "评价",
}
