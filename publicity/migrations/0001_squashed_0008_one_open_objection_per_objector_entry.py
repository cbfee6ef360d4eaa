"""The publicity tables as migrations 0001–0008 left them, in one migration (squashed 2026-12-04:
how it was written and what ``replaces`` means for an existing database, the accounts squash)."""

import accounts.models
import accounts.storage
import django.core.validators
import django.db.models.deletion
import publicity.publication.models
import publicity.reports.models
from decimal import Decimal
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    replaces = [
        ('publicity', '0001_weekly_board_and_dingtalk_messages'),
        ('publicity', '0002_publication_objections'),
        ('publicity', '0003_feedback_talks_and_annual_confirmation'),
        ('publicity', '0004_year_workbooks'),
        ('publicity', '0005_review_case_changed_grade_and_reconfirmation'),
        ('publicity', '0006_publication_of_welfare_results'),
        ('publicity', '0007_audit_field_labels'),
        ('publicity', '0008_one_open_objection_per_objector_entry'),
    ]

    dependencies = [
        ('accounts', '0001_squashed_0031_audit_field_labels'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ('evaluations', '0001_squashed_0031_audit_field_labels'),
        ('targets', '0001_squashed_0006_audit_field_labels'),
    ]

    operations = [
        migrations.CreateModel(
            name='AnnualConfirmation',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('grade', models.CharField(choices=[('excellent', '优秀'), ('competent', '称职'), ('basically_competent', '基本称职'), ('incompetent', '不称职'), ('not_graded', '不定等次')], max_length=30, verbose_name='确定等次')),
                ('opinion', models.TextField(blank=True, max_length=500, validators=[django.core.validators.MaxLengthValidator(500)], verbose_name='本人意见')),
                ('confirmed_at', models.DateTimeField(verbose_name='确认时间')),
                ('annual_result', models.OneToOneField(on_delete=django.db.models.deletion.PROTECT, related_name='confirmation', to='evaluations.annualresult', verbose_name='年度考核结果')),
                ('organisation', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='accounts.organisation', verbose_name='单位')),
                ('person', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='被考核人')),
            ],
            options={
                'verbose_name': '年度考核结果确认',
                'verbose_name_plural': '年度考核结果确认',
                'ordering': ['-confirmed_at'],
            },
            bases=(accounts.models.OrganisationScoped, models.Model),
        ),
        migrations.CreateModel(
            name='Publication',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('quarter', '季度考核结果'), ('annual_excellent', '年度考核优秀人选'), ('welfare', '公益性岗位年度考核结果')], max_length=20, verbose_name='类别')),
                ('year', models.PositiveSmallIntegerField(verbose_name='年度')),
                ('title', models.CharField(max_length=200, verbose_name='标题')),
                ('starts_on', models.DateField(verbose_name='公示开始')),
                ('ends_on', models.DateField(verbose_name='公示截止')),
                ('published_at', models.DateTimeField(verbose_name='发布时间')),
                ('closed_at', models.DateTimeField(blank=True, null=True, verbose_name='定等时间')),
                ('appraisal_quarter', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='evaluations.appraisalquarter', verbose_name='考核季度')),
                ('organisation', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='accounts.organisation', verbose_name='单位')),
                ('published_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='发布人')),
            ],
            options={
                'verbose_name': '结果公示',
                'verbose_name_plural': '结果公示',
                'ordering': ['-published_at', '-pk'],
                'indexes': [models.Index(fields=['organisation', '-published_at'], name='publication_org_recent')],
                'constraints': [models.UniqueConstraint(condition=models.Q(('appraisal_quarter__isnull', False)), fields=('appraisal_quarter',), name='one_publication_per_quarter'), models.UniqueConstraint(condition=models.Q(('kind', 'annual_excellent')), fields=('organisation', 'year'), name='one_annual_publication_per_year')],
            },
            bases=(accounts.models.OrganisationScoped, models.Model),
        ),
        migrations.CreateModel(
            name='PublicationEntry',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('grade_label', models.CharField(max_length=30, verbose_name='等次')),
                ('score', models.DecimalField(blank=True, decimal_places=2, max_digits=5, null=True, validators=[django.core.validators.MinValueValidator(Decimal('0')), django.core.validators.MaxValueValidator(Decimal('100'))], verbose_name='综合得分')),
                ('rank', models.PositiveIntegerField(blank=True, null=True, verbose_name='排名')),
                ('state', models.CharField(choices=[('published', '公示中'), ('regrading', '退回重评'), ('locked', '已定等')], default='published', max_length=20, verbose_name='状态')),
                ('window_starts_on', models.DateField(verbose_name='公示开始')),
                ('window_ends_on', models.DateField(verbose_name='公示截止')),
                ('republished_at', models.DateTimeField(blank=True, null=True, verbose_name='重新公示时间')),
                ('locked_at', models.DateTimeField(blank=True, null=True, verbose_name='定等时间')),
                ('annual_result', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='evaluations.annualresult', verbose_name='年度考核结果')),
                ('department', models.ForeignKey(null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='accounts.department', verbose_name='科室')),
                ('person', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='人员')),
                ('publication', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='entries', to='publicity.publication', verbose_name='结果公示')),
                ('quarter_grade', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='evaluations.quartergrade', verbose_name='季度等次')),
                ('welfare_assessment', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='evaluations.welfareassessment', verbose_name='公益性岗位年度考核')),
            ],
            options={
                'verbose_name': '公示名单条目',
                'verbose_name_plural': '公示名单条目',
                'ordering': ['publication', 'department__name', 'person__full_name', 'pk'],
                'indexes': [models.Index(fields=['state', 'window_ends_on'], name='publication_entry_due')],
                'constraints': [models.UniqueConstraint(fields=('publication', 'person'), name='one_entry_per_person_publication')],
            },
            bases=(accounts.models.OrganisationScoped, models.Model),
        ),
        migrations.CreateModel(
            name='Objection',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('text', models.TextField(max_length=2000, validators=[django.core.validators.MaxLengthValidator(2000)], verbose_name='异议内容')),
                ('attachment', models.FileField(blank=True, max_length=300, storage=accounts.storage.get_private_storage, upload_to=publicity.publication.models._objection_path, verbose_name='附件')),
                ('attachment_name', models.CharField(blank=True, max_length=200, verbose_name='附件名')),
                ('attachment_type', models.CharField(blank=True, max_length=100, verbose_name='附件类型')),
                ('state', models.CharField(choices=[('lodged', '已提出'), ('accepted', '已受理'), ('verified', '已核实'), ('answered', '已答复')], default='lodged', max_length=20, verbose_name='状态')),
                ('notes', models.TextField(blank=True, max_length=2000, validators=[django.core.validators.MaxLengthValidator(2000)], verbose_name='核实情况')),
                ('answer', models.TextField(blank=True, max_length=2000, validators=[django.core.validators.MaxLengthValidator(2000)], verbose_name='答复')),
                ('send_back_reason', models.TextField(blank=True, max_length=500, validators=[django.core.validators.MaxLengthValidator(500)], verbose_name='退回重评理由')),
                ('lodged_at', models.DateTimeField(verbose_name='提出时间')),
                ('accepted_at', models.DateTimeField(blank=True, null=True, verbose_name='受理时间')),
                ('verified_at', models.DateTimeField(blank=True, null=True, verbose_name='核实时间')),
                ('answered_at', models.DateTimeField(blank=True, null=True, verbose_name='答复时间')),
                ('sent_back_at', models.DateTimeField(blank=True, null=True, verbose_name='退回重评时间')),
                ('handled_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='处理人')),
                ('objector', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='提出人')),
                ('organisation', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='accounts.organisation', verbose_name='单位')),
                ('entry', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='objections', to='publicity.publicationentry', verbose_name='公示名单条目')),
            ],
            options={
                'verbose_name': '异议',
                'verbose_name_plural': '异议',
                'ordering': ['-lodged_at', '-pk'],
                'indexes': [models.Index(fields=['organisation', 'state', '-lodged_at'], name='objection_org_state'), models.Index(fields=['objector', '-lodged_at'], name='objection_objector')],
                'constraints': [models.UniqueConstraint(condition=models.Q(models.Q(('state', 'answered'), _negated=True), ('sent_back_at__isnull', True)), fields=('entry', 'objector'), name='one_open_objection_per_objector_entry')],
            },
            bases=(accounts.models.OrganisationScoped, models.Model),
        ),
        migrations.CreateModel(
            name='ReviewCase',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('review', '复核'), ('appeal', '申诉')], default='review', max_length=20, verbose_name='类别')),
                ('state', models.CharField(choices=[('awaiting', '待申请'), ('requested', '已申请，待决定'), ('decided', '已决定'), ('lapsed', '逾期未申请')], default='awaiting', max_length=20, verbose_name='状态')),
                ('notified_on', models.DateField(verbose_name='结果告知日')),
                ('request_by', models.DateField(verbose_name='申请截止日')),
                ('requested_on', models.DateField(blank=True, null=True, verbose_name='申请日')),
                ('decide_by', models.DateField(blank=True, null=True, verbose_name='决定截止日')),
                ('decided_on', models.DateField(blank=True, null=True, verbose_name='决定日')),
                ('decision', models.TextField(blank=True, max_length=2000, validators=[django.core.validators.MaxLengthValidator(2000)], verbose_name='决定')),
                ('changed_to', models.CharField(blank=True, choices=[('excellent', '优秀'), ('competent', '称职'), ('basically_competent', '基本称职'), ('incompetent', '不称职'), ('not_graded', '不定等次')], max_length=30, verbose_name='变更后等次')),
                ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='创建时间')),
                ('annual_result', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='evaluations.annualresult', verbose_name='年度考核结果')),
                ('opened_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='发起人')),
                ('organisation', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='accounts.organisation', verbose_name='单位')),
                ('person', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='当事人')),
            ],
            options={
                'verbose_name': '复核申诉案件',
                'verbose_name_plural': '复核申诉案件',
                'ordering': ['-notified_on', '-pk'],
                'constraints': [models.UniqueConstraint(fields=('annual_result', 'kind'), name='one_case_per_result_and_kind')],
            },
            bases=(accounts.models.OrganisationScoped, models.Model),
        ),
        migrations.CreateModel(
            name='WeeklyDigest',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('year', models.PositiveSmallIntegerField(verbose_name='年度')),
                ('week', models.PositiveSmallIntegerField(verbose_name='周次')),
                ('state', models.CharField(choices=[('draft', '汇编中'), ('published', '已发布')], default='draft', max_length=20, verbose_name='状态')),
                ('published_at', models.DateTimeField(blank=True, null=True, verbose_name='发布时间')),
                ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='创建时间')),
                ('compiled_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='汇编人')),
                ('organisation', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='accounts.organisation', verbose_name='单位')),
                ('published_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='发布人')),
            ],
            options={
                'verbose_name': '每周工作进展',
                'verbose_name_plural': '每周工作进展',
                'ordering': ['-year', '-week'],
                'indexes': [models.Index(fields=['organisation', 'state', '-year', '-week'], name='weekly_digest_board')],
                'constraints': [models.UniqueConstraint(fields=('organisation', 'year', 'week'), name='weekly_digest_once_per_week')],
            },
            bases=(accounts.models.OrganisationScoped, models.Model),
        ),
        migrations.CreateModel(
            name='WeeklyDigestSection',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('position', models.PositiveSmallIntegerField(default=0, verbose_name='顺序')),
                ('text', models.TextField(max_length=2000, validators=[django.core.validators.MaxLengthValidator(2000)], verbose_name='本周进展')),
                ('department', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='accounts.department', verbose_name='科室')),
                ('digest', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='sections', to='publicity.weeklydigest', verbose_name='每周工作进展')),
            ],
            options={
                'verbose_name': '每周进展（科室）',
                'verbose_name_plural': '每周进展（科室）',
                'ordering': ['digest', 'position', 'pk'],
                'constraints': [models.UniqueConstraint(fields=('digest', 'department'), name='weekly_section_once_per_department')],
            },
            bases=(accounts.models.OrganisationScoped, models.Model),
        ),
        migrations.CreateModel(
            name='WeeklyPost',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('year', models.PositiveSmallIntegerField(verbose_name='年度')),
                ('week', models.PositiveSmallIntegerField(verbose_name='周次')),
                ('posted_at', models.DateTimeField(verbose_name='填报时间')),
                ('author', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='填报人')),
                ('department', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='weekly_posts', to='accounts.department', verbose_name='科室')),
                ('organisation', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='accounts.organisation', verbose_name='单位')),
            ],
            options={
                'verbose_name': '科室每周进展',
                'verbose_name_plural': '科室每周进展',
                'ordering': ['-year', '-week', 'department'],
                'indexes': [models.Index(fields=['organisation', 'year', 'week'], name='weekly_post_org_week')],
                'constraints': [models.UniqueConstraint(fields=('department', 'year', 'week'), name='weekly_post_once_per_department')],
            },
            bases=(accounts.models.OrganisationScoped, models.Model),
        ),
        migrations.CreateModel(
            name='WeeklyPostItem',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('position', models.PositiveSmallIntegerField(default=0, verbose_name='序号')),
                ('text', models.TextField(max_length=500, validators=[django.core.validators.MaxLengthValidator(500)], verbose_name='工作进展')),
                ('goal', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='targets.departmentgoal', verbose_name='对应科室目标')),
                ('post', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='items', to='publicity.weeklypost', verbose_name='科室每周进展')),
            ],
            options={
                'verbose_name': '进展事项',
                'verbose_name_plural': '进展事项',
                'ordering': ['post', 'position', 'pk'],
            },
            bases=(accounts.models.OrganisationScoped, models.Model),
        ),
        migrations.CreateModel(
            name='YearWorkbook',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('year', models.PositiveSmallIntegerField(verbose_name='年度')),
                ('file', models.FileField(max_length=300, storage=accounts.storage.get_private_storage, upload_to=publicity.reports.models._workbook_path, verbose_name='文件')),
                ('size', models.PositiveBigIntegerField(default=0, verbose_name='文件大小')),
                ('people', models.PositiveIntegerField(default=0, verbose_name='人数')),
                ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='导出时间')),
                ('expires_at', models.DateTimeField(verbose_name='保留至')),
                ('created_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('job', models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='accounts.job', verbose_name='后台任务')),
                ('organisation', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='accounts.organisation')),
            ],
            options={
                'verbose_name': '年度考核汇总表',
                'verbose_name_plural': '年度考核汇总表',
                'ordering': ['-created_at', '-pk'],
                'indexes': [models.Index(fields=['organisation', 'year', '-created_at'], name='yearworkbook_latest_idx'), models.Index(fields=['expires_at'], name='yearworkbook_expiry_idx')],
            },
            bases=(accounts.models.OrganisationScoped, models.Model),
        ),
        migrations.CreateModel(
            name='DingTalkMessage',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('weekly_digest', '每周工作进展'), ('publication_opened', '结果公示开始'), ('publication_closed', '结果公示结束'), ('window_reminder', '公示期提醒'), ('other', '其他')], max_length=30, verbose_name='类别')),
                ('key', models.CharField(blank=True, max_length=100, verbose_name='事项')),
                ('title', models.CharField(max_length=200, verbose_name='标题')),
                ('text', models.TextField(max_length=5000, validators=[django.core.validators.MaxLengthValidator(5000)], verbose_name='内容')),
                ('state', models.CharField(choices=[('pending', '待发送'), ('sent', '已发送'), ('failed', '发送失败')], default='pending', max_length=20, verbose_name='状态')),
                ('attempts', models.PositiveSmallIntegerField(default=0, verbose_name='发送次数')),
                ('last_error', models.TextField(blank=True, verbose_name='最近错误')),
                ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='创建时间')),
                ('sent_at', models.DateTimeField(blank=True, null=True, verbose_name='发送时间')),
                ('job', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='accounts.job')),
                ('organisation', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='accounts.organisation', verbose_name='单位')),
            ],
            options={
                'verbose_name': '钉钉消息',
                'verbose_name_plural': '钉钉消息',
                'ordering': ['-created_at', '-pk'],
                'indexes': [models.Index(fields=['organisation', '-created_at'], name='dingtalk_message_org_recent')],
                'constraints': [models.UniqueConstraint(condition=models.Q(('key', ''), _negated=True), fields=('organisation', 'key'), name='dingtalk_message_once_per_key')],
            },
            bases=(accounts.models.OrganisationScoped, models.Model),
        ),
        migrations.CreateModel(
            name='FeedbackTalk',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('grade', models.CharField(max_length=20, verbose_name='等次')),
                ('talked_on', models.DateField(verbose_name='谈话日期')),
                ('content', models.TextField(max_length=2000, validators=[django.core.validators.MaxLengthValidator(2000)], verbose_name='谈话内容')),
                ('reasons', models.TextField(blank=True, max_length=500, validators=[django.core.validators.MaxLengthValidator(500)], verbose_name='评为“好”的原因')),
                ('shortcomings', models.TextField(blank=True, max_length=500, validators=[django.core.validators.MaxLengthValidator(500)], verbose_name='存在的不足')),
                ('improvements', models.TextField(blank=True, max_length=500, validators=[django.core.validators.MaxLengthValidator(500)], verbose_name='改进方向')),
                ('recorded_at', models.DateTimeField(verbose_name='记录时间')),
                ('confirmed_at', models.DateTimeField(blank=True, null=True, verbose_name='确认时间')),
                ('opinion', models.TextField(blank=True, max_length=500, validators=[django.core.validators.MaxLengthValidator(500)], verbose_name='本人意见')),
                ('organisation', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='accounts.organisation', verbose_name='单位')),
                ('person', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='feedback_talks', to=settings.AUTH_USER_MODEL, verbose_name='被考核人')),
                ('quarter_grade', models.OneToOneField(on_delete=django.db.models.deletion.PROTECT, related_name='feedback_talk', to='evaluations.quartergrade', verbose_name='季度等次')),
                ('recorded_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='谈话人')),
            ],
            options={
                'verbose_name': '结果反馈谈话',
                'verbose_name_plural': '结果反馈谈话',
                'ordering': ['-recorded_at', '-pk'],
                'indexes': [models.Index(fields=['person', 'confirmed_at'], name='feedback_talk_person')],
            },
            bases=(accounts.models.OrganisationScoped, models.Model),
        ),
    ]
