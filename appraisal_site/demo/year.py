"""A year in progress for the demo organisation: department goals, quarterly targets and monthly summaries.

Runs after :func:`appraisal_site.demo.organisation.build_demo_organisation`. Deterministic for a seed and a "today";
bulk inserts only (audit disabled), so ``seed_demo --staff 100000`` stays within minutes:
the first :data:`FULL_DETAIL_PEOPLE` people get the whole year, everyone beyond gets the
current quarter's targets and last month's summary (fewer items, no progress rows).

demo_staff's current-quarter targets and current-month summary are left unstarted on purpose,
so whoever tries the product as demo_staff can write and submit them.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from auditlog.context import disable_auditlog
from django.db import transaction
from django.utils import timezone

from accounts.models import Department, Organisation, Role, User
from accounts.selectors import policy_for_organisation
from summaries.models import MonthlySummary, SummaryProgress
from summaries.services import china_today, summary_deadline
from targets.models import (
    Completion,
    DepartmentGoal,
    ReviewStatus,
    TargetItem,
    TargetKind,
    TargetSet,
    TargetSetRevision,
)
from targets.selectors import is_late_submission, quarter_first_day, target_deadline

FULL_DETAIL_PEOPLE = 2000
CHUNK = 500
BATCH = 2000


@dataclass(frozen=True)
class Task:
    content: str
    measures: str
    short: str  # what progress notes call it
    goal: int | None = None  # index of the annual goal it serves


@dataclass(frozen=True)
class DepartmentPlan:
    annual: tuple[str, ...]
    quarterly: dict[int, tuple[str, ...]]
    key: tuple[Task, ...]
    assigned: tuple[Task, ...]
    routine: tuple[Task, ...]
    other_work: tuple[str, ...]
    problems: tuple[str, ...]
    plans: tuple[str, ...]


T = Task
PLANS: dict[str, DepartmentPlan] = {
    "JYCJ": DepartmentPlan(
        annual=(
            "全年城镇新增就业1.2万人，城镇调查失业率控制在5.5%以内",
            "高校毕业生等青年就业稳中有升，离校未就业高校毕业生帮扶就业率达到90%以上",
            "脱贫人口、就业困难人员等重点群体就业帮扶全覆盖，零就业家庭动态清零",
        ),
        quarterly={
            1: ("开展“春风行动”暨就业援助月活动，举办专场招聘会不少于10场", "一季度城镇新增就业完成全年任务的25%"),
            2: ("启动高校毕业生就业服务攻坚行动，完成离校未就业毕业生实名登记", "完成一次性扩岗补助审核发放"),
            3: (
                "开展离校未就业高校毕业生“131”帮扶服务，有就业意愿的毕业生帮扶率100%",
                "组织公益性岗位年中考核和动态调整",
            ),
            4: ("完成全年城镇新增就业和失业人员再就业目标任务", "做好年度就业补助资金绩效自评和清算"),
        },
        key=(
            T(
                "组织“春风行动”系列招聘活动，本季度举办线上线下招聘会不少于4场",
                "联合工业园区和重点企业收集岗位需求，通过公众号、社区网格发布岗位信息，现场设置政策咨询台",
                "招聘活动",
                0,
            ),
            T(
                "做好离校未就业高校毕业生实名登记和跟踪服务",
                "对接教育部门获取毕业生名单，逐人电话联系，建立“一人一档”服务台账，每月更新就业状态",
                "离校未就业毕业生实名服务",
                1,
            ),
            T(
                "完成一次性扩岗补助和稳岗返还资金审核发放",
                "依托经办系统比对参保数据，推行“免申即享”，分批公示后拨付，按月统计发放进度",
                "稳岗扩岗资金审核发放",
                0,
            ),
            T(
                "开展就业困难人员认定和公益性岗位安置",
                "会同街道复核困难人员台账，按程序开发公益性岗位，落实岗位补贴和社保补贴",
                "就业困难人员帮扶",
                2,
            ),
            T(
                "推进创业担保贷款扩面提质，本季度新增发放贷款不少于800万元",
                "与合作银行建立联审机制，走访创业孵化基地宣传政策，审批时限压缩至10个工作日",
                "创业担保贷款",
                0,
            ),
            T(
                "开展零就业家庭动态清零专项核查",
                "每月与街道社区比对数据，发现一户、认定一户、帮扶一户，48小时内提供岗位推荐",
                "零就业家庭清零",
                2,
            ),
        ),
        assigned=(
            T(
                "牵头筹备全市高校毕业生就业工作推进会",
                "起草会议方案和领导讲话稿，协调会场和参会单位，会后形成会议纪要并跟踪落实",
                "毕业生就业推进会筹备",
            ),
            T(
                "向市就业工作领导小组办公室报送重点群体就业专题材料",
                "收集整理相关数据，撰写专题报告，经科室负责人审核后按时报送",
                "重点群体就业专题材料",
            ),
        ),
        routine=(
            T("按月报送就业失业统计报表", "每月5日前完成数据采集、审核和上报，做好数据质量核查", "就业统计报表"),
            T(
                "办理就业创业证申领和失业登记业务",
                "按照服务标准受理办结，做到当日受理、限时办结，做好群众咨询解答",
                "就业创业证和失业登记办理",
            ),
        ),
        other_work=(
            "配合办公室完成就业政策宣传月活动方案起草。",
            "参加省厅组织的就业经办业务培训，并在科室内做好转训。",
            "接待来访群众{n}人次，解答就业创业政策咨询。",
        ),
        problems=(
            "部分企业岗位需求信息更新不及时，招聘会岗位匹配度有待提高。",
            "基层就业服务平台人员变动较大，业务熟练程度不一。",
            "离校未就业毕业生部分联系方式失效，跟踪服务难度较大。",
        ),
        plans=(
            "继续做好离校未就业高校毕业生跟踪服务，确保帮扶率达标。",
            "筹备下月专场招聘会，提前收集企业岗位需求。",
            "做好就业补助资金使用情况月度分析。",
        ),
    ),
    "ZYNL": DepartmentPlan(
        annual=(
            "全年开展补贴性职业技能培训8000人次，新增技能人才3000人",
            "推进企业技能人才自主评价，新增备案评价企业20家",
            "办好第二届全市职业技能大赛，培育选拔高技能人才",
        ),
        quarterly={
            1: ("制定年度职业技能培训计划并分解到各培训机构", "完成上年度培训补贴资金清算"),
            2: ("启动企业新型学徒制培训，新增学徒500人", "开展技能人才评价机构年度质量督导"),
            3: ("举办全市职业技能大赛，设置竞赛项目不少于10个", "完成民办职业培训学校年检"),
            4: ("完成全年补贴性职业技能培训任务", "做好年度技能人才统计和高技能人才评选推荐"),
        },
        key=(
            T(
                "组织开展补贴性职业技能培训，本季度培训不少于2000人次",
                "按月分解培训计划，实地抽查开班和上课情况，落实培训实名制和视频监控",
                "补贴性职业技能培训",
                0,
            ),
            T(
                "推进企业技能人才自主评价备案",
                "走访规上企业宣传政策，指导企业制定评价方案，组织专家审核后备案",
                "企业技能人才自主评价",
                1,
            ),
            T(
                "做好职业技能大赛筹备工作",
                "确定竞赛项目和技术规程，落实场地、裁判和设备保障，做好报名组织",
                "职业技能大赛筹备",
                2,
            ),
            T(
                "开展职业培训补贴资金审核",
                "对培训机构申报材料逐班审核，比对参保和学员信息，防止虚假培训套取资金",
                "培训补贴审核",
                0,
            ),
            T(
                "加强民办职业培训学校监管",
                "开展办学行为专项检查，对发现的问题下发整改通知并跟踪整改",
                "民办培训学校监管",
            ),
            T(
                "推进高技能人才培训基地和技能大师工作室建设",
                "组织申报和评审，跟踪已立项项目建设进度，做好资金拨付",
                "高技能人才基地建设",
                2,
            ),
        ),
        assigned=(
            T(
                "配合做好省级技能人才工作专项督查迎检",
                "对照督查清单准备台账资料，陪同实地检查，汇总反馈问题并整改",
                "技能人才督查迎检",
            ),
            T(
                "起草全市技能人才队伍建设情况调研报告",
                "走访重点企业和院校收集数据，分析存在问题，提出对策建议",
                "技能人才调研报告",
            ),
        ),
        routine=(
            T(
                "办理职业技能等级证书查询核验和补办",
                "按时受理群众申请，核对证书信息，限时办结",
                "证书查询核验",
            ),
            T("按月报送职业培训统计数据", "每月初汇总各培训机构数据，审核后上报", "培训统计"),
        ),
        other_work=(
            "参加全省职业技能鉴定质量督导员培训。",
            "抽查培训机构开班{n}个，现场核对学员签到情况。",
            "协助做好技工院校招生宣传工作。",
        ),
        problems=(
            "部分培训机构培训内容与企业岗位需求结合不够紧密。",
            "企业参与自主评价的积极性仍需提高，中小企业评价能力不足。",
            "培训补贴申报材料不规范，退回补正比例偏高。",
        ),
        plans=(
            "继续推进补贴性职业技能培训，加强过程监管。",
            "走访企业宣传技能人才自主评价政策。",
            "做好职业技能大赛后续表彰和宣传工作。",
        ),
    ),
    "SHBX": DepartmentPlan(
        annual=(
            "企业职工基本养老保险参保人数净增5000人，法定人员应保尽保",
            "社会保险基金按时足额征缴，待遇按时足额发放",
            "开展社保基金管理专项整治，确保基金安全",
        ),
        quarterly={
            1: ("完成年度社保缴费基数核定", "开展领取待遇人员资格认证"),
            2: ("推进新就业形态人员职业伤害保障扩面", "开展社保基金管理风险排查"),
            3: ("完成机关事业单位养老保险年度清算", "开展灵活就业人员参保专项宣传"),
            4: ("完成全年参保扩面任务", "做好年度社保待遇调整发放"),
        },
        key=(
            T(
                "推进全民参保计划，完成本季度企业职工养老保险扩面任务",
                "比对市场主体登记和参保数据，锁定未参保人员名单，分片包干上门宣传动员",
                "参保扩面",
                0,
            ),
            T(
                "完成社保缴费基数申报核定",
                "发布申报通知，开展经办人员培训，对异常申报数据逐户核查",
                "缴费基数核定",
                1,
            ),
            T(
                "开展领取养老保险待遇人员资格认证",
                "通过大数据比对和社区协助开展认证，对未认证人员电话提醒，按规定暂停发放",
                "待遇资格认证",
                2,
            ),
            T(
                "开展社保基金管理风险防控专项检查",
                "对照风险点清单抽查待遇发放和基金支付业务，发现问题建立台账限期整改",
                "基金风险防控检查",
                2,
            ),
            T(
                "做好工伤认定和劳动能力鉴定工作",
                "依法受理工伤认定申请，按时限作出认定结论，组织劳动能力鉴定专家会",
                "工伤认定和劳动能力鉴定",
                1,
            ),
            T(
                "推进社保经办服务“一网通办”",
                "梳理高频事项清单，优化网办流程，开展窗口人员业务培训",
                "社保经办一网通办",
            ),
        ),
        assigned=(
            T("做好社保基金审计问题整改落实", "逐条制定整改措施，明确责任人和时限，按期报送整改报告", "审计整改"),
            T(
                "配合开展养老保险政策宣传进社区活动",
                "制作宣传折页，组织业务骨干进社区讲解，现场办理参保业务",
                "政策宣传进社区",
            ),
        ),
        routine=(
            T("办理社保关系转移接续业务", "按经办规程审核材料，限时办结，做好群众解释", "关系转移接续"),
            T("按月编报社保基金收支统计报表", "每月核对收支数据，按时报送上级部门", "基金收支报表"),
        ),
        other_work=(
            "配合财政部门完成社保基金月度对账。",
            "处理“12345”热线社保类工单{n}件，均按时办结。",
            "参加全省社保经办业务能力练兵比武。",
        ),
        problems=(
            "灵活就业人员参保意识不强，扩面工作难度加大。",
            "部分企业缴费基数申报不实，核查工作量大。",
            "信息系统升级期间部分业务办理效率下降。",
        ),
        plans=(
            "继续推进参保扩面，重点做好新就业形态人员参保动员。",
            "完成本月待遇发放数据核对。",
            "开展基金风险点自查并形成报告。",
        ),
    ),
    "LDGX": DepartmentPlan(
        annual=(
            "劳动合同签订率保持在95%以上，推进集体协商扩面提质",
            "根治欠薪，实现欠薪案件和欠薪线索“两清零”",
            "劳动人事争议仲裁结案率达到95%以上，调解成功率达到60%以上",
        ),
        quarterly={
            1: ("完成根治欠薪冬季专项行动收尾", "推进企业集体合同续签"),
            2: ("开展劳动用工专项执法检查", "落实工程建设领域工资专户和实名制管理"),
            3: ("开展和谐劳动关系企业创建评选", "推进劳动人事争议调解组织建设"),
            4: ("启动根治欠薪冬季专项行动", "完成年度劳动保障书面审查"),
        },
        key=(
            T(
                "办理拖欠农民工工资投诉举报案件",
                "建立案件台账，接到投诉后3个工作日内核查，对欠薪企业下达限期整改指令书，跟踪清偿到位",
                "欠薪案件处置",
                1,
            ),
            T(
                "开展工程建设领域工资支付专项检查",
                "对在建项目逐一检查工资专户、实名制和工资保证金落实情况，问题项目限期整改",
                "在建项目工资支付检查",
                1,
            ),
            T(
                "推进劳动合同和集体合同签订",
                "指导企业使用劳动合同示范文本，督促到期集体合同续签，开展签订情况抽查",
                "劳动合同和集体合同签订",
                0,
            ),
            T(
                "做好劳动人事争议调解仲裁工作",
                "快立快审，推行“调裁审”衔接，简单案件适用简易程序，按期结案",
                "争议调解仲裁",
                2,
            ),
            T(
                "开展用人单位劳动保障书面审查",
                "发布审查通知，对书面材料逐户审核，对未按时报送的单位电话督促",
                "劳动保障书面审查",
                0,
            ),
            T(
                "开展和谐劳动关系企业创建活动",
                "制定创建标准，组织企业申报，实地核查评估，推荐示范企业",
                "和谐劳动关系创建",
                0,
            ),
        ),
        assigned=(
            T("做好劳动保障信访积案化解", "逐案分析诉求，制定化解方案，会同相关部门包案化解", "信访积案化解"),
            T(
                "配合做好重大活动期间劳动关系领域风险排查",
                "排查重点企业和在建项目，建立风险台账，落实24小时值班",
                "劳动关系风险排查",
            ),
        ),
        routine=(
            T("接待劳动保障政策咨询和来访群众", "做好登记和解答，需立案的及时转办", "来访接待"),
            T("按月报送劳动保障监察统计报表", "每月初汇总案件数据，审核后按时上报", "监察统计报表"),
        ),
        other_work=(
            "参与处置群体性讨薪事件1起，劳动者工资已全部结清。",
            "接待来访劳动者{n}人次，现场解答劳动合同、工资支付等问题。",
            "参加全市劳动人事争议仲裁员业务培训。",
        ),
        problems=(
            "部分小微企业劳动用工不规范，取证难、送达难问题突出。",
            "仲裁案件数量持续增长，办案力量相对不足。",
            "工程建设领域分包层级多，工资支付链条管理难度大。",
        ),
        plans=(
            "继续开展在建项目工资支付情况巡查。",
            "按期审结本月受理的仲裁案件。",
            "做好重大节假日前劳动关系风险排查。",
        ),
    ),
    "BGS": DepartmentPlan(
        annual=(
            "保障机关高效运转，公文办理及时准确率100%",
            "做好政务信息、政务公开和督查督办工作",
            "加强机关安全保密、档案管理和后勤协调",
        ),
        quarterly={
            1: ("完成年度工作要点起草和任务分解", "做好全国两会期间值班值守"),
            2: ("完成上半年工作总结和下半年工作计划", "开展政务公开专项检查"),
            3: ("做好重点工作督查督办“回头看”", "完成上年度档案整理移交"),
            4: ("完成全年工作总结和下年度工作要点起草", "做好年终考核和述职评议组织工作"),
        },
        key=(
            T(
                "做好公文运转和文稿起草工作",
                "严格公文审核把关，按时限办理来文，重要文稿提前谋划、多轮修改",
                "公文运转和文稿起草",
                0,
            ),
            T(
                "开展局党组重点工作督查督办",
                "建立督办台账，按月通报进展，对滞后事项发督办单并跟踪落实",
                "重点工作督查督办",
                1,
            ),
            T(
                "做好政务信息报送和政务公开",
                "每月报送政务信息不少于8篇，按时更新政府信息公开栏目，按期办结依申请公开",
                "政务信息和政务公开",
                1,
            ),
            T(
                "做好人大代表建议和政协委员提案办理",
                "细化分办，跟踪承办科室办理进度，按时答复并做好与代表委员的沟通",
                "建议提案办理",
                1,
            ),
            T("加强机关档案管理", "对上年度文书档案进行整理、编目和归档，推进档案数字化", "档案管理", 2),
            T(
                "做好保密和网络安全工作",
                "开展保密自查，检查涉密计算机和存储介质管理，组织保密教育",
                "保密和网络安全",
                2,
            ),
        ),
        assigned=(
            T(
                "起草局主要负责人在全市人社工作会议上的讲话稿",
                "收集各科室素材，梳理工作亮点和下步打算，按领导意见多轮修改",
                "讲话稿起草",
            ),
            T(
                "筹备局党组理论学习中心组专题学习",
                "拟定学习方案，准备学习材料，做好会议记录和简报",
                "中心组专题学习筹备",
            ),
        ),
        routine=(
            T("做好日常值班值守和信息报送", "严格执行值班制度，突发情况及时报告", "值班值守"),
            T("做好会议组织和会务保障", "提前落实会场、材料和通知，会后整理纪要", "会务保障"),
        ),
        other_work=(
            "完成局领导交办的{n}份材料的起草和校对。",
            "配合做好上级部门来局调研的接待工作。",
            "整理编印本月工作动态1期。",
        ),
        problems=(
            "临时性文稿任务多、时间紧，文稿质量有待进一步提高。",
            "督办事项反馈不够及时，个别科室需多次催办。",
            "档案数字化进度偏慢，人手不足。",
        ),
        plans=(
            "做好下月局务会议的组织和材料准备。",
            "继续推进督办事项跟踪落实，按时编发督办通报。",
            "完成本月政务信息报送任务。",
        ),
    ),
    "ZCFG": DepartmentPlan(
        annual=(
            "推进依法行政，规范性文件合法性审核率100%",
            "做好行政复议应诉工作，行政诉讼败诉率控制在5%以内",
            "深化“放管服”改革，推进人社政务服务事项标准化",
        ),
        quarterly={
            1: ("制定年度普法工作计划", "完成行政执法案卷评查"),
            2: ("开展规范性文件清理", "推进人社政务服务“一件事”改革"),
            3: ("组织人社系统依法行政培训", "检查行政执法“三项制度”落实情况"),
            4: ("完成年度法治政府建设情况报告", "开展年度行政执法人员资格清理"),
        },
        key=(
            T(
                "做好规范性文件和重大行政决策合法性审核",
                "建立审核台账，对送审文件逐条审查，提出书面审核意见，按期办结",
                "合法性审核",
                0,
            ),
            T(
                "办理行政复议和行政应诉案件",
                "按时提交答辩材料和证据，出庭应诉，分析败诉风险并提出整改建议",
                "行政复议和应诉",
                1,
            ),
            T(
                "开展行政执法案卷评查",
                "抽取各科室执法案卷，对照评查标准逐项打分，通报问题并督促整改",
                "执法案卷评查",
                0,
            ),
            T(
                "推进人社政务服务事项标准化",
                "梳理事项清单和办事指南，统一受理条件、申请材料和办理时限，上线网办平台",
                "政务服务标准化",
                2,
            ),
            T(
                "开展人社法律法规宣传",
                "结合“人社政策进万家”活动深入企业、社区开展普法宣讲，发放宣传资料",
                "普法宣传",
                0,
            ),
            T(
                "做好规范性文件清理和备案",
                "对现行有效文件逐件评估，提出保留、修改、废止意见，按规定报送备案",
                "规范性文件清理",
                0,
            ),
        ),
        assigned=(
            T(
                "牵头研究人社领域优化营商环境措施",
                "收集企业诉求，梳理可优化事项，形成措施清单报局党组审定",
                "优化营商环境措施",
            ),
            T(
                "配合市司法局做好法治政府建设督察",
                "准备自查报告和佐证材料，做好督察反馈问题整改",
                "法治政府建设督察",
            ),
        ),
        routine=(
            T("做好法律顾问联络和合同审查", "按时转送合同文本，汇总法律意见并反馈承办科室", "合同审查"),
            T("办理“12345”热线政策法规类转办件", "按时限答复，做好回访和归档", "热线转办件"),
        ),
        other_work=(
            "审核各类合同和协议{n}份，提出修改意见。",
            "参加市司法局组织的行政复议应诉业务培训。",
            "配合做好“谁执法谁普法”履职评议材料报送。",
        ),
        problems=(
            "部分科室送审文件时间仓促，审核时间不足。",
            "行政应诉案件证据材料整理不够规范。",
            "政务服务事项标准化涉及系统对接，推进较慢。",
        ),
        plans=(
            "完成本月送审规范性文件的合法性审核。",
            "做好下月开庭案件的应诉准备。",
            "推进政务服务事项办事指南修订。",
        ),
    ),
    "RSRC": DepartmentPlan(
        annual=(
            "完成年度公务员招录和事业单位公开招聘工作",
            "推进职称评审改革，全年新增中高级职称专业技术人才1500人",
            "做好机关干部教育培训、平时考核和年度考核",
        ),
        quarterly={
            1: ("完成上年度机关工作人员年度考核", "制定年度公开招聘计划"),
            2: ("组织事业单位公开招聘笔试面试", "启动年度职称评审申报"),
            3: ("完成新录用人员体检考察和公示", "组织年度职称评审会"),
            4: ("公布年度职称评审结果", "做好年度干部培训总结和平时考核结果汇总"),
        },
        key=(
            T(
                "组织事业单位公开招聘",
                "发布招聘公告，做好报名资格审查、笔试面试组织和成绩公示，全程接受纪检监督",
                "事业单位公开招聘",
                0,
            ),
            T(
                "做好职称评审申报和评审组织",
                "开展申报材料网上审核，组织评委会评审，评审结果按规定公示",
                "职称评审",
                1,
            ),
            T(
                "完成机关工作人员平时考核和年度考核",
                "按季度组织平时考核，汇总考核结果，做好年度考核优秀等次评定",
                "平时考核和年度考核",
                2,
            ),
            T(
                "开展机关干部教育培训",
                "制定培训计划，组织专题培训班，落实网络学院学时要求并通报完成情况",
                "干部教育培训",
                2,
            ),
            T(
                "做好人才引进和服务保障",
                "收集用人单位需求，赴高校开展引才活动，落实人才安居和补贴政策",
                "人才引进服务",
                1,
            ),
            T("规范干部人事档案管理", "开展干部人事档案专项审核，补充完善缺失材料，做好档案转递", "人事档案管理"),
        ),
        assigned=(
            T("起草全市人才工作情况汇报材料", "收集各单位人才工作数据，提炼亮点，按时报送", "人才工作汇报材料"),
            T("配合做好干部选拔任用工作", "按程序做好民主推荐、考察和公示的具体工作", "干部选拔任用"),
        ),
        routine=(
            T("办理工资变动和人事信息变更", "按月审核工资变动材料，及时更新人事信息系统", "工资和人事信息变更"),
            T("做好人事统计月报和年报", "按时汇总、审核并报送人事统计数据", "人事统计"),
        ),
        other_work=(
            "审核职称申报材料{n}份，退回补正材料12份。",
            "做好新录用公务员入职报到和岗前培训组织。",
            "配合纪检部门完成干部人事档案专项审核抽查。",
        ),
        problems=(
            "职称申报材料不规范，退回补正率较高。",
            "干部教育培训需求调研不够深入，培训针对性有待增强。",
            "人事信息系统数据与纸质档案存在个别不一致。",
        ),
        plans=(
            "完成本月工资变动审核和人事信息更新。",
            "做好下月公开招聘面试的组织准备。",
            "推进干部人事档案数字化。",
        ),
    ),
    "HQFW": DepartmentPlan(
        annual=(
            "保障机关办公、用车、食堂等后勤服务安全有序",
            "推进公共机构节能降耗，人均综合能耗下降2%",
            "规范资产管理，国有资产账实相符率100%",
        ),
        quarterly={
            1: ("完成办公楼消防安全检查和设施维护", "开展固定资产年度清查"),
            2: ("做好汛期安全防范和办公楼防汛检查", "开展节能宣传周活动"),
            3: ("完成机关食堂服务满意度测评", "做好夏季用电安全和空调设备维护"),
            4: ("完成年度资产盘点和报废处置", "做好冬季供暖和安全生产检查"),
        },
        key=(
            T(
                "开展办公区域安全生产检查",
                "每月对消防设施、电梯、配电房进行检查，建立隐患台账并督促整改",
                "办公区安全检查",
                0,
            ),
            T(
                "推进公共机构节能降耗",
                "按月统计水电用量，开展节能宣传，对高耗能设备进行更换改造",
                "节能降耗",
                1,
            ),
            T(
                "做好固定资产管理",
                "完善资产卡片信息，开展资产盘点，办理闲置资产调剂和报废审批",
                "固定资产管理",
                2,
            ),
            T(
                "提升机关食堂服务质量",
                "定期开展食品安全检查，征求干部职工意见，调整菜品和服务时间",
                "食堂服务",
                0,
            ),
            T(
                "规范公务用车管理",
                "严格用车审批和登记，做好车辆维修保养和加油卡管理，按月公示用车情况",
                "公务用车管理",
                0,
            ),
            T(
                "做好办公用房维修改造",
                "制定维修计划，履行采购程序，现场监督施工质量和进度，组织验收",
                "办公用房维修",
                2,
            ),
        ),
        assigned=(
            T("做好全市人社工作会议会务后勤保障", "落实会场布置、用餐和车辆安排，做好应急预案", "会务后勤保障"),
            T("配合做好办公楼物业服务合同招标", "编制采购需求，配合采购代理机构完成招标", "物业服务招标"),
        ),
        routine=(
            T("做好办公用品采购和发放", "按月汇总需求，按政府采购规定采购，登记发放", "办公用品管理"),
            T("做好来访接待和车辆调度", "合理安排车辆，做好出车登记和安全提醒", "接待和车辆调度"),
        ),
        other_work=(
            "完成办公楼电梯年检和消防设施维保。",
            "处理办公设施报修{n}件，均及时修复。",
            "配合做好机关爱国卫生运动。",
        ),
        problems=(
            "办公楼部分设施老化，维修频次增加。",
            "节能设备改造资金不足，进度偏慢。",
            "资产卡片信息与实物存在个别不一致，需逐项核对。",
        ),
        plans=(
            "完成下月安全生产检查和隐患整改。",
            "做好节假日前后勤保障和值班安排。",
            "推进闲置资产调剂和报废处置。",
        ),
    ),
}
COMMON_ROUTINE = (
    T(
        "认真学习贯彻党的二十届三中全会精神，完成季度理论学习任务",
        "参加科室集中学习和支部主题党日，撰写学习心得1篇",
        "理论学习",
    ),
    T("落实党风廉政建设和意识形态工作责任", "参加廉政教育，对照岗位廉政风险点开展自查", "党风廉政建设"),
)
COMMON_ASSIGNED = (
    T(
        "配合做好全国文明城市创建迎检工作",
        "按照分工做好责任社区的巡查，整理创建台账资料",
        "文明城市创建",
    ),
    T(
        "参加“人社服务快办行动”政务服务窗口值守",
        "按排班到政务服务中心窗口值守，做好政策咨询和业务引导",
        "窗口值守",
    ),
)
COMMON_OTHER_WORK = (
    "参加机关党支部主题党日活动。",
    "完成局办公室交办的信息报送任务。",
    "参加局里组织的业务知识测试。",
    "参加“人社政策进万家”志愿服务活动。",
    "协助做好科室来信来访接待和政策解答。",
)
COMMON_PROBLEMS = (
    "本月临时性任务较多，部分计划工作推进偏慢。",
    "政策理论学习的深度还不够，运用新政策解决实际问题的能力有待提高。",
    "与相关科室的沟通衔接还需加强。",
    "业务数据统计口径不够统一，报表核对耗时较多。",
)
COMMON_PLANS = (
    "认真完成季度目标中尚未完成的事项。",
    "加强政策业务学习，参加科室业务培训。",
    "按时完成月度统计和信息报送任务。",
    "配合做好局里安排的各项临时性工作。",
)
DEFAULT_PLAN = PLANS["BGS"]

STAGE_NOTES = {
    1: (
        "已制定{short}工作方案，明确责任分工和时间节点。",
        "完成{short}前期摸底，梳理问题清单{n}项。",
        "参加{short}工作部署会，细化本季度任务安排。",
    ),
    2: (
        "{short}按计划推进，阶段任务已完成约{pct}%。",
        "{short}有序推进，本月累计完成进度约{pct}%，下月继续跟进。",
        "针对{short}中发现的{n}个问题逐项整改，已整改{m}个。",
    ),
    3: (
        "{short}进入收尾阶段，正在整理总结材料。",
        "{short}基本完成，正在对照目标逐项核对。",
    ),
}
DONE_NOTES = (
    "{short}已按期完成，相关材料已整理归档。",
    "{short}全面完成，形成工作总结报科室负责人。",
)
PARTIAL_NOTES = ("{short}完成主体工作，剩余部分因{reason}需延至下季度。",)
NOT_DONE_NOTES = ("{short}受{reason}影响进度滞后，已向科室负责人说明情况。",)
COMPLETION_NOTES = {
    Completion.DONE: (
        "已按时间节点完成，相关材料已归档备查。",
        "全面完成，成效明显，得到分管领导肯定。",
        "按计划完成，各项指标均达到要求。",
    ),
    Completion.PARTIAL: ("完成约{pct}%，{reason}，剩余工作已列入下季度目标。",),
    Completion.NOT_DONE: ("因{reason}未能按期完成，已调整计划并报科室负责人同意。",),
}
REASONS = (
    "上级政策调整",
    "配合部门资料提供滞后",
    "系统升级改造延期",
    "季度内临时性任务较多",
    "相关单位配合不到位",
)
TARGET_RETURN_REASONS = (
    "推进措施不够具体，请细化到时间节点和责任人。",
    "目标事项与科室季度目标衔接不够，请补充对应关系。",
    "工作量偏少，请将本季度承担的领导交办工作列入目标。",
    "时间节点设置过于宽泛，请按月分解。",
)
SUMMARY_RETURN_REASONS = (
    "本月重点工作进展写得过于笼统，请补充具体数据和成效。",
    "“下月计划”未与季度目标对应，请修改后重新提交。",
    "部分目标事项未填写进展情况，请补充。",
    "存在问题分析不够深入，请结合实际补充原因和改进措施。",
)
WEIGHTS = {
    2: ((60, 40), (70, 30)),
    3: ((40, 35, 25), (50, 30, 20)),
    4: ((30, 30, 20, 20), (40, 25, 20, 15)),
    5: ((30, 25, 20, 15, 10), (25, 25, 20, 15, 15)),
}
KIND_LABELS = {kind.value: str(kind.label) for kind in TargetKind}


@dataclass
class DemoYearReport:
    year: int
    as_of: date
    past_quarters: list[int]
    current_quarter: int | None
    past_months: list[int]
    full_people: int = 0
    light_people: int = 0
    counts: dict[str, int] = field(default_factory=dict)

    def add(self, name: str, number: int) -> None:
        self.counts[name] = self.counts.get(name, 0) + number

    def describe(self) -> str:
        quarters = [*self.past_quarters, *([self.current_quarter] if self.current_quarter else [])]
        months = f"{self.past_months[0]}-{self.past_months[-1]}月" if self.past_months else "none"
        text = (
            f"Year {self.year} as of {self.as_of}: full detail (targets Q{'/Q'.join(map(str, quarters))}, "
            f"summaries {months}) for {self.full_people} staff"
        )
        if self.light_people:
            light_quarter = self.current_quarter or self.past_quarters[-1]
            light_month = f", {self.past_months[-1]}月 summary" if self.past_months else ""
            text += f"; lighter data (Q{light_quarter} targets with 2 items{light_month}, no progress notes)"
            text += f" for {self.light_people} more staff"
        c = self.counts
        return (
            f"{text}. Created {c.get('goals', 0)} department goals, {c.get('target_sets', 0)} target sets, "
            f"{c.get('items', 0)} target items, {c.get('revisions', 0)} revisions, "
            f"{c.get('summaries', 0)} monthly summaries, {c.get('progress', 0)} progress notes."
        )


def demo_as_of(year: int, today: date) -> date:
    """The day the demo year is "in progress" at: today in the current year; a past year is over
    (December's summaries are in); a future year has just begun (Q1 under way, January summarised)."""
    if year == today.year:
        return today
    if year < today.year:
        return date(year + 1, 1, 20)
    return date(year, 2, 10)


def _fill(text: str, rng: random.Random, **values) -> str:
    if "{" not in text:
        return text
    n = rng.randint(3, 40)
    return text.format(n=n, m=max(1, n - rng.randint(0, 3)), pct=rng.choice((40, 50, 60, 70, 80)), **values)


def _numbered(lines: list[str]) -> str:
    return "\n".join(f"{i}. {line}" for i, line in enumerate(lines, start=1))


@dataclass
class _Person:
    pk: int
    username: str
    department: Department
    reviewer_id: int | None
    is_head: bool


@dataclass
class _SetPlan:
    target_set: TargetSet
    items: list[TargetItem]
    # one entry per submission: (submitted_at, outcome, decided_at, reason)
    submissions: list[tuple[datetime, str, datetime | None, str]]
    reviewer_id: int | None


class _YearBuilder:
    def __init__(self, organisation: Organisation, *, year: int, seed: int, today: date):
        self.organisation = organisation
        self.year = year
        self.rng = random.Random(seed)
        self.as_of = demo_as_of(year, today)
        self.last_day = self.as_of - timedelta(days=1)  # nothing happens on or after "today"
        self.tz = timezone.get_default_timezone()
        self.policy = policy_for_organisation(organisation_id=organisation.pk)
        in_year = self.as_of.year == year
        self.current_quarter = (self.as_of.month - 1) // 3 + 1 if in_year else None
        self.current_month = self.as_of.month if in_year else None
        last_month = self.as_of.month - 1 if in_year else 12
        self.past_months = list(range(1, last_month + 1))
        self.past_quarters = [q for q in range(1, 5) if 3 * q <= last_month]
        self.departments = {d.pk: d for d in Department.objects.filter(organisation=organisation, is_active=True)}
        leader_ids = {d.head_id for d in self.departments.values()} | {
            d.supervising_leader_id for d in self.departments.values()
        }
        self.names = {u.pk: str(u) for u in User.objects.filter(pk__in=leader_ids - {None})}
        self.goals: dict[tuple[int, int | None], list[DepartmentGoal]] = {}
        self.goal_texts: dict[int, str] = {}
        self.report = DemoYearReport(
            year=year,
            as_of=self.as_of,
            past_quarters=self.past_quarters,
            current_quarter=self.current_quarter,
            past_months=self.past_months,
        )

    # --- time -------------------------------------------------------------------------

    def _at(self, day: date) -> datetime:
        rng = self.rng
        return datetime(day.year, day.month, day.day, rng.randint(8, 17), rng.randint(0, 59), tzinfo=self.tz)

    def _day(self, start: date, end: date) -> date | None:
        end = min(end, self.last_day)
        if end < start:
            return None
        return start + timedelta(days=self.rng.randint(0, (end - start).days))

    def _after(self, moment: datetime, max_days: int) -> datetime:
        """A moment 0..max_days days after ``moment`` (working hours), never on or after "today"."""
        day = min(moment.date() + timedelta(days=self.rng.randint(0, max_days)), self.last_day)
        later = self._at(day)
        if later <= moment:
            later = moment + timedelta(minutes=self.rng.randint(20, 90))
        return later

    # --- goals ------------------------------------------------------------------------

    def build_goals(self) -> None:
        quarters = [*self.past_quarters, *([self.current_quarter] if self.current_quarter else [])]
        goals = []
        for department in self.departments.values():
            plan = PLANS.get(department.code, DEFAULT_PLAN)
            annual = plan.annual[: self.rng.choice((2, 3, 3))]
            goals += [
                DepartmentGoal(
                    department=department, year=self.year, content=text, sort_order=i, created_by_id=department.head_id
                )
                for i, text in enumerate(annual, start=1)
            ]
            for quarter in quarters:
                texts = plan.quarterly[quarter][: self.rng.choice((1, 2, 2))]
                goals += [
                    DepartmentGoal(
                        department=department,
                        year=self.year,
                        quarter=quarter,
                        content=text,
                        sort_order=i,
                        created_by_id=department.head_id,
                    )
                    for i, text in enumerate(texts, start=1)
                ]
        DepartmentGoal.objects.bulk_create(goals, batch_size=BATCH)
        self.goal_texts = {goal.pk: goal.content for goal in goals}
        for goal in goals:
            self.goals.setdefault((goal.department_id, goal.quarter), []).append(goal)
        self.report.add("goals", len(goals))

    def _goal_for(self, person: _Person, quarter: int, task: Task, kind: str) -> DepartmentGoal | None:
        annual = self.goals.get((person.department.pk, None), [])
        quarterly = self.goals.get((person.department.pk, quarter), [])
        roll = self.rng.random()
        if kind == TargetKind.KEY:
            if task.goal is not None and task.goal < len(annual) and roll < 0.7:
                return annual[task.goal]
            return self.rng.choice(quarterly) if quarterly and roll < 0.95 else None
        if kind == TargetKind.ASSIGNED:
            return self.rng.choice(quarterly) if quarterly and roll < 0.3 else None
        return self.rng.choice(annual) if annual and roll < 0.2 else None

    # --- targets ----------------------------------------------------------------------

    def _items(self, person: _Person, quarter: int, *, light: bool, past: bool) -> list[TargetItem]:
        rng = self.rng
        plan = PLANS.get(person.department.code, DEFAULT_PLAN)
        count = 2 if light else rng.choice((3, 4, 4, 5))
        assigned = rng.random() < 0.35
        keys = rng.sample(plan.key, max(count - 1 - assigned, 1))
        chosen = [(task, TargetKind.KEY) for task in keys]
        if assigned:
            chosen.append((rng.choice(plan.assigned + COMMON_ASSIGNED), TargetKind.ASSIGNED))
        if len(chosen) < count:
            chosen.append((rng.choice(plan.routine + COMMON_ROUTINE), TargetKind.ROUTINE))
        first = quarter_first_day(self.year, quarter)
        last = date(self.year, 3 * quarter, 1) + timedelta(days=31)
        last = last.replace(day=1) - timedelta(days=1)
        weights = rng.choice(WEIGHTS[len(chosen)]) if rng.random() < 0.3 else None
        items = []
        for order, (task, kind) in enumerate(chosen, start=1):
            if kind == TargetKind.ROUTINE:
                deadline = last
            else:
                deadline = first + timedelta(
                    days=rng.randint(20 if kind == TargetKind.KEY else 10, (last - first).days)
                )
            item = TargetItem(
                sort_order=order,
                content=task.content,
                kind=kind,
                measures=task.measures,
                deadline=deadline,
                weight=weights[order - 1] if weights else None,
                goal_id=goal.pk if (goal := self._goal_for(person, quarter, task, kind)) else None,
                assigned_by_id=person.department.supervising_leader_id if kind == TargetKind.ASSIGNED else None,
            )
            item.short = task.short  # for the progress notes, not stored
            if past:
                roll = rng.random()
                completion = (
                    Completion.DONE if roll < 0.8 else Completion.PARTIAL if roll < 0.94 else Completion.NOT_DONE
                )
                item.completion = completion
                item.completion_note = _fill(rng.choice(COMPLETION_NOTES[completion]), rng, reason=rng.choice(REASONS))
            items.append(item)
        return items

    def _target_set(self, person: _Person, quarter: int, status: str, *, light: bool) -> _SetPlan:
        rng = self.rng
        past = quarter in self.past_quarters
        first = quarter_first_day(self.year, quarter)
        deadline = target_deadline(policy=self.policy, year=self.year, quarter=quarter)
        items = self._items(person, quarter, light=light, past=past)
        submissions: list[tuple[datetime, str, datetime | None, str]] = []
        reviewer_id = None
        if status != ReviewStatus.DRAFT:
            day = None
            if rng.random() < 0.07:
                day = self._day(deadline + timedelta(days=1), deadline + timedelta(days=10))
            day = day or self._day(first - timedelta(days=4), deadline) or self.last_day
            submitted = self._at(day)
            # Returned once and then resubmitted (or, for a returned set, not yet).
            if status == ReviewStatus.RETURNED or (not light and rng.random() < 0.08):
                returned_at = self._after(submitted, 3)
                submissions.append((submitted, ReviewStatus.RETURNED, returned_at, rng.choice(TARGET_RETURN_REASONS)))
                if status != ReviewStatus.RETURNED:
                    submitted = self._after(returned_at, 3)
            if status != ReviewStatus.RETURNED:
                decided = self._after(submitted, 4) if status == ReviewStatus.APPROVED else None
                submissions.append((submitted, status, decided, ""))
            reviewer_id = person.reviewer_id if any(decided for _s, _o, decided, _r in submissions) else None
        last = submissions[-1] if submissions else None
        target_set = TargetSet(
            owner_id=person.pk,
            organisation_id=self.organisation.pk,
            department_id=person.department.pk,
            year=self.year,
            quarter=quarter,
            status=status,
            version=1 + 2 * len(submissions) + (1 if past else 0),
            submitted_at=last[0] if last else None,
            is_late=bool(submissions)
            and is_late_submission(policy=self.policy, year=self.year, quarter=quarter, submitted_at=submissions[0][0]),
            reviewer_id=reviewer_id,
            reviewed_at=last[2] if last else None,
            return_reason=last[3] if last else "",
        )
        return _SetPlan(target_set=target_set, items=items, submissions=submissions, reviewer_id=person.reviewer_id)

    def _current_status(self, person: _Person, forced: dict[str, str]) -> str | None:
        if person.username in forced:
            return forced[person.username]
        roll = self.rng.random()
        if roll < 0.62:
            return ReviewStatus.APPROVED
        if roll < 0.84:
            return ReviewStatus.SUBMITTED
        if roll < 0.89:
            return ReviewStatus.RETURNED
        return ReviewStatus.DRAFT

    def _snapshot(self, items: list[TargetItem], *, first_draft: bool) -> list[dict]:
        rows = []
        for item in items:
            rows.append(
                {
                    "id": item.pk,
                    "sort_order": item.sort_order,
                    "content": item.content,
                    "kind": item.kind,
                    "kind_label": KIND_LABELS[item.kind],
                    # The returned first version had vaguer measures.
                    "measures": item.measures.split("，")[0] if first_draft else item.measures,
                    "deadline": item.deadline.isoformat() if item.deadline else None,
                    "weight": item.weight,
                    "goal": self.goal_texts.get(item.goal_id, ""),
                    "assigned_by": self.names.get(item.assigned_by_id, "") if item.assigned_by_id else "",
                }
            )
        return rows

    def insert_sets(self, plans: list[_SetPlan]) -> None:
        TargetSet.objects.bulk_create([p.target_set for p in plans], batch_size=BATCH)
        items = []
        for plan in plans:
            for item in plan.items:
                item.target_set_id = plan.target_set.pk
                items.append(item)
        TargetItem.objects.bulk_create(items, batch_size=BATCH)
        revisions = []
        for plan in plans:
            total = len(plan.submissions)
            for number, (submitted, outcome, decided, reason) in enumerate(plan.submissions, start=1):
                revisions.append(
                    TargetSetRevision(
                        target_set_id=plan.target_set.pk,
                        number=number,
                        items=self._snapshot(plan.items, first_draft=number < total),
                        submitted_at=submitted,
                        submitted_by_id=plan.target_set.owner_id,
                        outcome=outcome,
                        decided_by_id=plan.reviewer_id if decided else None,
                        decided_at=decided,
                        reason=reason,
                    )
                )
        TargetSetRevision.objects.bulk_create(revisions, batch_size=BATCH)
        self.report.add("target_sets", len(plans))
        self.report.add("items", len(items))
        self.report.add("revisions", len(revisions))

    # --- summaries --------------------------------------------------------------------

    def _summary_status(self, month: int, deadline: date, forced: str | None) -> str:
        if forced:
            return forced
        age = self.past_months[-1] - month
        roll = self.rng.random()
        if age == 0:
            if self.as_of <= deadline:  # last month's deadline has not passed yet
                table = ((0.3, ReviewStatus.APPROVED), (0.65, ReviewStatus.SUBMITTED), (0.75, ReviewStatus.RETURNED))
            else:
                table = ((0.74, ReviewStatus.APPROVED), (0.87, ReviewStatus.SUBMITTED), (0.93, ReviewStatus.RETURNED))
            for limit, status in table:
                if roll < limit:
                    return status
            return ReviewStatus.DRAFT
        if age == 1:
            return (
                ReviewStatus.APPROVED
                if roll < 0.94
                else ReviewStatus.SUBMITTED
                if roll < 0.97
                else ReviewStatus.RETURNED
            )
        return ReviewStatus.APPROVED

    def _texts(self, person: _Person, *, draft: bool) -> tuple[str, str, str]:
        rng = self.rng
        plan = PLANS.get(person.department.code, DEFAULT_PLAN)
        other = [_fill(t, rng) for t in rng.sample(plan.other_work, rng.choice((1, 2)))]
        other.append(rng.choice(COMMON_OTHER_WORK))
        problems = [rng.choice(plan.problems)]
        if rng.random() < 0.4:
            problems.append(rng.choice(COMMON_PROBLEMS))
        plans = rng.sample(plan.plans, 2) + [rng.choice(COMMON_PLANS)]
        if draft:
            return _numbered(other[:1]), "", ""
        return _numbered(other), _numbered(problems), _numbered(plans)

    def _summary(self, person: _Person, month: int, forced: str | None) -> MonthlySummary:
        rng = self.rng
        deadline = summary_deadline(year=self.year, month=month, deadline_day=self.policy.summary_deadline_day)
        is_current = month == self.current_month
        status = ReviewStatus.DRAFT if is_current else self._summary_status(month, deadline, forced)
        other, problems, plans = self._texts(person, draft=status == ReviewStatus.DRAFT and is_current)
        summary = MonthlySummary(
            owner_id=person.pk,
            organisation_id=self.organisation.pk,
            department_id=person.department.pk,
            year=self.year,
            month=month,
            status=status,
            other_work=other,
            problems=problems,
            next_month_plan=plans,
        )
        if status != ReviewStatus.DRAFT:
            month_end = deadline.replace(day=1) - timedelta(days=1)
            day = None
            if rng.random() < 0.1 and not forced:
                day = self._day(deadline + timedelta(days=1), deadline + timedelta(days=12))
            day = day or self._day(month_end - timedelta(days=2), deadline) or self.last_day
            summary.submitted_at = self._at(day)
            summary.is_late = china_today(summary.submitted_at) > deadline
            if status != ReviewStatus.SUBMITTED:
                summary.reviewer_id = person.reviewer_id
                summary.reviewed_at = self._after(summary.submitted_at, 4)
            if status == ReviewStatus.RETURNED:
                summary.return_reason = rng.choice(SUMMARY_RETURN_REASONS)
            summary.version = rng.randint(3, 9)
        else:
            summary.version = rng.randint(1, 4)
        return summary

    def _progress(self, summary: MonthlySummary, items: list[TargetItem]) -> list[SummaryProgress]:
        rng = self.rng
        stage = (summary.month - 1) % 3 + 1
        draft = summary.status == ReviewStatus.DRAFT
        rows = []
        for order, item in enumerate(items):
            if draft and rng.random() < 0.5:
                note = ""
            elif stage == 3 and item.completion == Completion.DONE:
                note = _fill(rng.choice(DONE_NOTES), rng, short=item.short)
            elif stage == 3 and item.completion == Completion.PARTIAL:
                note = _fill(rng.choice(PARTIAL_NOTES), rng, short=item.short, reason=rng.choice(REASONS))
            elif stage == 3 and item.completion == Completion.NOT_DONE:
                note = _fill(rng.choice(NOT_DONE_NOTES), rng, short=item.short, reason=rng.choice(REASONS))
            else:
                note = _fill(rng.choice(STAGE_NOTES[stage]), rng, short=item.short)
            rows.append(
                SummaryProgress(
                    summary_id=summary.pk,
                    target_item_id=item.pk,
                    item_content=item.content,
                    note=note,
                    sort_order=order,
                )
            )
        return rows

    # --- people -----------------------------------------------------------------------

    def people(self) -> list[_Person]:
        rows = (
            User.objects.filter(
                organisation=self.organisation,
                is_active=True,
                department_id__in=self.departments,
                role_assignments__role=Role.STAFF,
            )
            .order_by("pk")
            .values_list("pk", "username", "department_id")
            .distinct()
        )
        people = []
        for pk, username, department_id in rows.iterator(chunk_size=5000):
            department = self.departments[department_id]
            is_head = department.head_id == pk
            reviewer = department.supervising_leader_id if is_head else department.head_id
            people.append(_Person(pk, username, department, reviewer, is_head))
        return people

    def forced_statuses(self, people: list[_Person]) -> tuple[dict[str, str], dict[str, str]]:
        """(current-quarter target statuses, last-month summary statuses) fixed so that every
        demo inbox has something waiting whatever the seed."""
        targets: dict[str, str] = {"demo_head": ReviewStatus.SUBMITTED}
        summaries: dict[str, str] = {"demo_head": ReviewStatus.SUBMITTED, "demo_staff": ReviewStatus.APPROVED}
        demo_department = next((p.department for p in people if p.username == "demo_head"), None)
        colleagues = [
            p.username
            for p in people
            if demo_department is not None
            and p.department.pk == demo_department.pk
            and not p.is_head
            and p.username != "demo_staff"
        ][:4]
        for username in colleagues[:3]:
            targets[username] = ReviewStatus.SUBMITTED
            summaries[username] = ReviewStatus.SUBMITTED
        if len(colleagues) > 3:
            summaries[colleagues[3]] = ReviewStatus.RETURNED
        # Another head under demo_leader waits for them too.
        if demo_department is not None:
            other_heads = [
                p.username
                for p in people
                if p.is_head
                and p.department.supervising_leader_id == demo_department.supervising_leader_id
                and p.department.pk != demo_department.pk
            ]
            if other_heads:
                summaries[other_heads[0]] = ReviewStatus.SUBMITTED
        return targets, summaries

    def build(self, *, full_detail: int) -> DemoYearReport:
        self.build_goals()
        people = self.people()
        forced_targets, forced_summaries = self.forced_statuses(people)
        for start in range(0, len(people), CHUNK):
            chunk = people[start : start + CHUNK]
            full = [p for i, p in enumerate(chunk, start=start) if i < full_detail]
            light = [p for i, p in enumerate(chunk, start=start) if i >= full_detail]
            if full:
                self._build_people(full, forced_targets, forced_summaries, light=False)
            if light:
                self._build_people(light, forced_targets, forced_summaries, light=True)
            self.report.full_people += len(full)
            self.report.light_people += len(light)
        return self.report

    def _build_people(
        self, people: list[_Person], forced_targets: dict[str, str], forced_summaries: dict[str, str], *, light: bool
    ) -> None:
        set_plans: list[_SetPlan] = []
        sets_of: dict[tuple[int, int], _SetPlan] = {}
        if light:
            quarters = [self.current_quarter or self.past_quarters[-1]]
            months = self.past_months[-1:]
        else:
            quarters = [*self.past_quarters, *([self.current_quarter] if self.current_quarter else [])]
            months = [*self.past_months, *([self.current_month] if self.current_month else [])]
        for person in people:
            for quarter in quarters:
                if quarter in self.past_quarters:
                    status = ReviewStatus.APPROVED
                elif person.username == "demo_staff":
                    continue  # left for the person trying the product
                else:
                    status = self._current_status(person, forced_targets)
                if person.reviewer_id is None:
                    status = ReviewStatus.DRAFT
                plan = self._target_set(person, quarter, status, light=light)
                set_plans.append(plan)
                sets_of[(person.pk, quarter)] = plan
        self.insert_sets(set_plans)

        last_past = self.past_months[-1] if self.past_months else None
        summaries: list[MonthlySummary] = []
        for person in people:
            for month in months:
                if month == self.current_month and (person.username == "demo_staff" or self.rng.random() < 0.6):
                    continue  # this month's summary not started (yet)
                forced = forced_summaries.get(person.username) if month == last_past else None
                if person.username == "demo_staff" and month != self.current_month:
                    forced = ReviewStatus.APPROVED
                if person.reviewer_id is None:
                    forced = ReviewStatus.DRAFT
                summaries.append(self._summary(person, month, forced))
        MonthlySummary.objects.bulk_create(summaries, batch_size=BATCH)
        self.report.add("summaries", len(summaries))
        if light:
            return
        progress = []
        for summary in summaries:
            plan = sets_of.get((summary.owner_id, (summary.month - 1) // 3 + 1))
            if plan is not None:
                progress += self._progress(summary, plan.items)
        SummaryProgress.objects.bulk_create(progress, batch_size=BATCH)
        self.report.add("progress", len(progress))


@transaction.atomic
def build_demo_year(
    organisation: Organisation,
    *,
    year: int,
    seed: int = 2026,
    today: date | None = None,
    full_detail: int = FULL_DETAIL_PEOPLE,
) -> DemoYearReport:
    """Fill ``year`` of the demo organisation as a year in progress on ``today`` (default: the local date).

    The first ``full_detail`` people (by id) get every quarter's targets and every month's summary;
    the others get the current quarter's targets and last month's summary only.
    """
    today = today or timezone.localdate()
    with disable_auditlog():
        return _YearBuilder(organisation, year=year, seed=seed, today=today).build(full_detail=full_detail)
