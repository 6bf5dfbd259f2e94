/* The editor's forms: one list of fields per resource, labels in Chinese.
   Field: [property, label, type, options]. Types: text, number, checkbox, tristate
   (是/否/不详), select, list (comma separated), hours (as people write them or OSM
   opening_hours, with common choices to pick and a preview);
   options of a text or number field: {required, default (for a new feature)}. */
window.YouluEditorFields = {
  names: {communities: "小区", gates: "出入口", buildings: "楼栋", units: "单元门",
          paths: "内部道路", facilities: "设施"},
  shapes: {communities: "Polygon", buildings: "Polygon", paths: "Line",
           gates: "Marker", units: "Marker", facilities: "Marker"},
  hints: {
    communities: "在地图上依次点出小区围墙的各个角，最后点回第一个点结束。",
    gates: "在小区边界附近点一下：出入口会自动吸附到边界线上。",
    buildings: "在小区里依次点出楼的各个角，最后点回第一个点结束。",
    units: "在楼的外墙上点出单元门的位置。",
    paths: "依次点出道路经过的点，在最后一个点上再点一次结束。",
    facilities: "点出设施（驿站、充电、停车、卫生间等）的位置。"
  },
  hoursChoices: ["24小时", "每天6点到22点", "每天7点到21点", "工作日7:00-21:00，周末关闭",
                 "工作日8:00-18:00", "周末关闭"],
  actions: {create: "新建", update: "修改", delete: "删除", import: "导入", revert: "恢复"},
  fields: {
    communities: [
      ["name", "小区名称", "text", {required: true}],
      ["division_code", "所属区划", "division"],
      ["ebikes_allowed", "小区内可以骑电动车", "checkbox"],
      ["pass_policy", "骑手通行证", "select", [["auto", "登记后自动通过"], ["approval", "需要社区审批"]]],
      ["pass_validity_days", "通行证有效天数", "number", {required: true, default: 90}],
      ["aliases", "别名（用逗号分隔）", "list"]
    ],
    gates: [
      ["name", "名称（如 北门）", "text"],
      ["number", "门号（如 1）", "text"],
      ["rider_access", "骑手能否通行", "select", [["open", "开放"], ["pass", "凭骑手通行证"], ["closed", "不开放"]]],
      ["foot", "步行可以通过", "checkbox"],
      ["ebike", "电动车可以通过", "checkbox"],
      ["opening_hours", "开放时间（如 每天6点到22点、工作日7:00-21:00；空着表示全天开放）", "hours"]
    ],
    buildings: [
      ["number", "楼号（如 3）", "text"],
      ["name", "名称", "text"],
      ["floors", "层数", "number"]
    ],
    units: [
      ["building", "所属楼栋", "building"],
      ["number", "单元号（如 1）", "text"],
      ["name", "名称", "text"],
      ["floors", "层数", "number"],
      ["elevator", "有电梯", "tristate"],
      ["rider_elevator", "骑手可以乘电梯", "tristate"]
    ],
    paths: [
      ["name", "名称", "text"],
      ["mode", "可以通行", "select", [["both", "步行和电动车"], ["foot", "只能步行"], ["ebike", "只能电动车"]]]
    ],
    facilities: [
      ["kind", "类型", "select", [["station", "骑手驿站"], ["charger", "充电"], ["parking", "停车"],
                                 ["toilet", "卫生间"], ["water", "饮水"], ["locker", "快递柜"],
                                 ["first_aid", "急救"]]],
      ["name", "名称", "text"],
      ["charger_type", "充电方式", "select", [["", "—"], ["pile", "充电桩"], ["swap", "换电柜"]]],
      ["capacity", "容量（车位或格口数）", "number"],
      ["rider_priority_slots", "骑手优先位", "number"],
      ["shaded", "有遮阳", "tristate"],
      ["charging", "可以充电", "tristate"],
      ["opening_hours", "开放时间（如 每天6点到22点；空着表示全天开放）", "hours"],
      ["operator", "运营方", "text"]
    ]
  }
};
