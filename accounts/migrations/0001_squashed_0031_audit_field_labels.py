"""The accounts tables as migrations 0001–0031 left them, in one migration (squashed 2026-12-04).

Written by ``makemigrations`` from the models, each model's indexes and constraints folded into its
``CreateModel`` (migrating from nothing took about 28 s of CPU over 138 migrations, nearly all of it
Django rendering model states; now about 6 s). ``replaces`` names the old chain: a database that
applied all of it takes this one as applied; a database part-way through it must first be migrated
with a release before the squash (README, "Upgrading"). The old data steps had nothing to do on a
new database and are gone; what the old chain did in SQL beyond the models is here, at the end, on
PostgreSQL only:

- trigram indexes for the list pages' "contains" searches (old 0008): ``icontains`` is
  ``UPPER(col::text) LIKE UPPER('%q%')``, which no B-tree index serves; a GIN index of pg_trgm on
  the same expression does (pg_trgm is a trusted extension: the database owner may create it);
- the audit table is append-only (old 0014 and 0018): a trigger refuses UPDATE and DELETE, and a
  statement trigger TRUNCATE. An UPDATE that only empties ``actor_id`` (a deleted account;
  ``actor_email`` keeps who it was) passes; a DELETE of an entry older than 180 days passes only
  inside a transaction that set ``appraisal.audit_purge = 'on'`` (``accounts.audit.purge_expired``,
  the retention job); TRUNCATE only in a session that set ``appraisal.audit_truncate = 'on'`` —
  which only the test runner does (tests/conftest.py: Django's test flush truncates every table).
  Emptying ``organisation_id`` is refused: it would hide the entry from its organisation's
  auditors. A role that owns the table can still disable its triggers: the application connects
  as a role that does not own it (README, "Production deployment").
"""

import accounts.models
import django.contrib.auth.models
import django.contrib.auth.validators
import django.core.validators
import django.db.models.deletion
import django.db.models.functions.text
import django.utils.timezone
from decimal import Decimal
from django.conf import settings
from django.db import migrations, models

TRIGRAM_INDEXES = [
    ("accounts_user_full_name_trgm", "accounts_user", "full_name"),
    ("accounts_user_username_trgm", "accounts_user", "username"),
    ("accounts_user_employee_number_trgm", "accounts_user", "employee_number"),
]

AUDIT_APPEND_ONLY = """
CREATE OR REPLACE FUNCTION accounts_auditentry_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE'
       AND (to_jsonb(NEW) - 'actor_id') = (to_jsonb(OLD) - 'actor_id')
       AND (NEW.actor_id IS NULL OR NEW.actor_id = OLD.actor_id) THEN
        RETURN NEW;
    END IF;
    IF TG_OP = 'DELETE'
       AND current_setting('appraisal.audit_purge', true) = 'on'
       AND OLD."timestamp" < now() - interval '180 days' THEN
        RETURN OLD;
    END IF;
    IF TG_OP = 'TRUNCATE' AND current_setting('appraisal.audit_truncate', true) = 'on' THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION 'the audit log is append-only (% refused)', TG_OP USING ERRCODE = 'insufficient_privilege';
END
$$ LANGUAGE plpgsql;
CREATE TRIGGER accounts_auditentry_append_only
    BEFORE UPDATE OR DELETE ON accounts_auditentry
    FOR EACH ROW EXECUTE FUNCTION accounts_auditentry_append_only();
CREATE TRIGGER accounts_auditentry_no_truncate
    BEFORE TRUNCATE ON accounts_auditentry
    FOR EACH STATEMENT EXECUTE FUNCTION accounts_auditentry_append_only();
"""

AUDIT_APPEND_ONLY_DROP = """
DROP TRIGGER IF EXISTS accounts_auditentry_no_truncate ON accounts_auditentry;
DROP TRIGGER IF EXISTS accounts_auditentry_append_only ON accounts_auditentry;
DROP FUNCTION IF EXISTS accounts_auditentry_append_only();
"""


def postgresql_forward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, table, column in TRIGRAM_INDEXES:
        schema_editor.execute(f'CREATE INDEX "{name}" ON "{table}" USING gin ((UPPER("{column}"::text)) gin_trgm_ops)')
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(AUDIT_APPEND_ONLY)  # no parameters: the RAISE's % is PL/pgSQL's, not a placeholder


def postgresql_backward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(AUDIT_APPEND_ONLY_DROP)
    for name, _table, _column in TRIGRAM_INDEXES:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')


class Migration(migrations.Migration):

    initial = True

    replaces = [
        ('accounts', '0001_initial'),
        ('accounts', '0002_notification'),
        ('accounts', '0003_job'),
        ('accounts', '0004_workingdayoverride'),
        ('accounts', '0005_policy_event_scores'),
        ('accounts', '0006_policy_period_quarter_only'),
        ('accounts', '0007_policy_grading_window_and_period_lock'),
        ('accounts', '0008_trigram_search_indexes'),
        ('accounts', '0009_notification_daily_digest'),
        ('accounts', '0010_separation_of_duties'),
        ('accounts', '0011_password_history_max_age_idle_limit'),
        ('accounts', '0012_two_factor_policy_and_reset'),
        ('accounts', '0013_audit_entry_event_and_result'),
        ('accounts', '0014_audit_log_append_only'),
        ('accounts', '0015_two_factor_help_names_security_admin'),
        ('accounts', '0016_policy_weekly_progress_and_dingtalk'),
        ('accounts', '0017_department_post_appointments_wait_for_a_second_person'),
        ('accounts', '0018_audit_log_refuses_truncate_and_hiding_from_its_organisation'),
        ('accounts', '0019_audit_event_unlock'),
        ('accounts', '0020_policy_audit_retention_days'),
        ('accounts', '0021_usernames_unique_per_organisation'),
        ('accounts', '0022_policy_feedback_talks'),
        ('accounts', '0023_pending_reset_of_an_administrators_second_factor'),
        ('accounts', '0024_organisation_supervised_by_oversight_role'),
        ('accounts', '0025_policy_party_building_parts'),
        ('accounts', '0026_policy_row_for_every_organisation'),
        ('accounts', '0027_policy_password_rules'),
        ('accounts', '0028_policy_ballot_settings_and_cast_event'),
        ('accounts', '0029_policy_welfare_assessment_settings'),
        ('accounts', '0030_user_department_number_index'),
        ('accounts', '0031_audit_field_labels'),
    ]

    dependencies = [
        ('auth', '0012_alter_user_first_name_max_length'),
        ('contenttypes', '0002_remove_content_type_name'),
    ]

    operations = [
        migrations.CreateModel(
            name='User',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('password', models.CharField(max_length=128, verbose_name='password')),
                ('last_login', models.DateTimeField(blank=True, null=True, verbose_name='last login')),
                ('is_superuser', models.BooleanField(default=False, help_text='Designates that this user has all permissions without explicitly assigning them.', verbose_name='superuser status')),
                ('first_name', models.CharField(blank=True, max_length=150, verbose_name='first name')),
                ('last_name', models.CharField(blank=True, max_length=150, verbose_name='last name')),
                ('email', models.EmailField(blank=True, max_length=254, verbose_name='email address')),
                ('is_staff', models.BooleanField(default=False, help_text='Designates whether the user can log into this admin site.', verbose_name='staff status')),
                ('is_active', models.BooleanField(default=True, help_text='Designates whether this user should be treated as active. Unselect this instead of deleting accounts.', verbose_name='active')),
                ('date_joined', models.DateTimeField(default=django.utils.timezone.now, verbose_name='date joined')),
                ('username', models.CharField(help_text='Required. 150 characters or fewer. Letters, digits and @/./+/-/_ only.', max_length=150, validators=[django.contrib.auth.validators.UnicodeUsernameValidator()], verbose_name='username')),
                ('full_name', models.CharField(blank=True, max_length=50, verbose_name='姓名')),
                ('employee_number', models.CharField(blank=True, max_length=32, verbose_name='工号')),
                ('position_title', models.CharField(blank=True, max_length=50, verbose_name='职务职级')),
                ('staff_type', models.CharField(choices=[('civil_servant', '公务员'), ('reference', '参公人员'), ('institution', '事业人员'), ('public_welfare', '公益性岗位')], default='civil_servant', max_length=20, verbose_name='人员类别')),
                ('position_category', models.CharField(choices=[('general', '综合管理'), ('enforcement', '业务执法'), ('service', '服务保障')], default='general', max_length=20, verbose_name='岗位类别')),
                ('is_leader_position', models.BooleanField(default=False, help_text='“好”等次名额可按领导与非领导分池计算。', verbose_name='领导职务')),
                ('must_change_password', models.BooleanField(default=False, verbose_name='须修改密码')),
                ('password_changed_at', models.DateTimeField(blank=True, editable=False, null=True, verbose_name='密码修改时间')),
                ('two_factor_reset_at', models.DateTimeField(blank=True, editable=False, null=True, verbose_name='双因素重置时间')),
                ('groups', models.ManyToManyField(blank=True, help_text='The groups this user belongs to. A user will get all permissions granted to each of their groups.', related_name='user_set', related_query_name='user', to='auth.group', verbose_name='groups')),
                ('user_permissions', models.ManyToManyField(blank=True, help_text='Specific permissions for this user.', related_name='user_set', related_query_name='user', to='auth.permission', verbose_name='user permissions')),
            ],
            options={
                'verbose_name': '人员',
                'verbose_name_plural': '人员',
                'ordering': ['organisation', 'department', 'employee_number', 'username'],
            },
            bases=(accounts.models.OrganisationScoped, models.Model),
            managers=[
                ('objects', django.contrib.auth.models.UserManager()),
            ],
        ),
        migrations.CreateModel(
            name='Department',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('code', models.CharField(max_length=32, verbose_name='科室编码')),
                ('name', models.CharField(max_length=100, verbose_name='科室名称')),
                ('sort_order', models.PositiveIntegerField(default=0, verbose_name='排序')),
                ('is_active', models.BooleanField(default=True, verbose_name='启用')),
                ('head', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='headed_departments', to=settings.AUTH_USER_MODEL, verbose_name='科室负责人')),
                ('supervising_leader', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='supervised_departments', to=settings.AUTH_USER_MODEL, verbose_name='分管领导')),
            ],
            options={
                'verbose_name': '科室',
                'verbose_name_plural': '科室',
                'ordering': ['organisation', 'sort_order', 'code'],
            },
            bases=(accounts.models.OrganisationScoped, models.Model),
        ),
        migrations.AddField(
            model_name='user',
            name='department',
            field=models.ForeignKey(blank=True, help_text='当前科室；调动请使用“调整科室”，以保留历史。', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='members', to='accounts.department', verbose_name='所在科室'),
        ),
        migrations.CreateModel(
            name='Organisation',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('code', models.SlugField(max_length=32, unique=True, verbose_name='单位编码')),
                ('name', models.CharField(max_length=100, unique=True, verbose_name='单位名称')),
                ('is_active', models.BooleanField(default=True, verbose_name='启用')),
                ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='创建时间')),
                ('supervised_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='overseen', to='accounts.organisation', verbose_name='主管部门')),
            ],
            options={
                'verbose_name': '单位',
                'verbose_name_plural': '单位',
                'ordering': ['code'],
            },
            bases=(accounts.models.OrganisationScoped, models.Model),
        ),
        migrations.AddField(
            model_name='department',
            name='organisation',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='departments', to='accounts.organisation', verbose_name='单位'),
        ),
        migrations.AddConstraint(
            model_name='department',
            constraint=models.UniqueConstraint(fields=('organisation', 'code'), name='department_code_unique_per_org'),
        ),
        migrations.AddConstraint(
            model_name='department',
            constraint=models.UniqueConstraint(fields=('organisation', 'name'), name='department_name_unique_per_org'),
        ),
        migrations.AddField(
            model_name='user',
            name='organisation',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='members', to='accounts.organisation', verbose_name='单位'),
        ),
        migrations.AddIndex(
            model_name='user',
            index=models.Index(fields=['organisation', 'department', 'is_active'], name='accounts_us_organis_ec67e3_idx'),
        ),
        migrations.AddIndex(
            model_name='user',
            index=models.Index(fields=['department', 'employee_number', 'username'], name='user_department_number_idx'),
        ),
        migrations.AddConstraint(
            model_name='user',
            constraint=models.UniqueConstraint(condition=models.Q(('employee_number', ''), _negated=True), fields=('organisation', 'employee_number'), name='employee_number_unique_per_org'),
        ),
        migrations.AddConstraint(
            model_name='user',
            constraint=models.UniqueConstraint(django.db.models.functions.text.Lower('username'), models.F('organisation'), name='username_unique_per_org', violation_error_message='本单位已有人员使用该用户名。'),
        ),
        migrations.AddConstraint(
            model_name='user',
            constraint=models.UniqueConstraint(django.db.models.functions.text.Lower('username'), condition=models.Q(('organisation__isnull', True)), name='username_unique_without_org', violation_error_message='该用户名已被使用。'),
        ),
        migrations.CreateModel(
            name='AuditEntry',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('object_pk', models.CharField(db_index=True, max_length=255, verbose_name='object pk')),
                ('object_id', models.BigIntegerField(blank=True, db_index=True, null=True, verbose_name='object id')),
                ('object_repr', models.TextField(verbose_name='object representation')),
                ('serialized_data', models.JSONField(null=True)),
                ('action', models.PositiveSmallIntegerField(choices=[(0, 'create'), (1, 'update'), (2, 'delete'), (3, 'access')], db_index=True, verbose_name='action')),
                ('changes_text', models.TextField(blank=True, verbose_name='change message')),
                ('changes', models.JSONField(null=True, verbose_name='change message')),
                ('cid', models.CharField(blank=True, db_index=True, max_length=255, null=True, verbose_name='Correlation ID')),
                ('remote_addr', models.GenericIPAddressField(blank=True, null=True, verbose_name='remote address')),
                ('remote_port', models.PositiveIntegerField(blank=True, null=True, verbose_name='remote port')),
                ('timestamp', models.DateTimeField(db_index=True, default=django.utils.timezone.now, verbose_name='timestamp')),
                ('additional_data', models.JSONField(blank=True, null=True, verbose_name='additional data')),
                ('actor_email', models.CharField(blank=True, max_length=254, null=True, verbose_name='actor email')),
                ('reason', models.TextField(blank=True, verbose_name='原因')),
                ('event', models.CharField(blank=True, choices=[('login', '登录'), ('logout', '退出登录'), ('login_failed', '登录失败'), ('lockout', '账号锁定'), ('password_change', '修改密码'), ('password_reset', '重置密码'), ('export', '导出个人数据'), ('download', '下载文件'), ('job_run', '后台任务运行'), ('purge', '清理过期审计记录'), ('unlock', '解除登录锁定'), ('welfare_opened', '开展公益性岗位年度考核'), ('ballot_cast', '民主测评投票'), ('publication_opened', '发布结果公示'), ('publication_locked', '公示期满锁定'), ('grade_reviewed_after_lock', '复核已定等的季度等次'), ('annual_reviewed_after_lock', '复核已定等的年度等次')], db_index=True, max_length=32, verbose_name='事件')),
                ('result', models.CharField(blank=True, choices=[('success', '成功'), ('failure', '失败')], max_length=16, verbose_name='结果')),
                ('content_type', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='contenttypes.contenttype', verbose_name='content type')),
                ('actor', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='actor')),
                ('organisation', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='accounts.organisation', verbose_name='单位')),
            ],
            options={
                'verbose_name': '审计记录',
                'verbose_name_plural': '审计记录',
                'ordering': ['-timestamp'],
                'get_latest_by': 'timestamp',
                'abstract': False,
                'swappable': 'AUDITLOG_LOGENTRY_MODEL',
                'indexes': [models.Index(fields=['organisation', '-timestamp'], name='accounts_au_organis_6b6d8b_idx')],
            },
        ),
        migrations.CreateModel(
            name='PasswordHistory',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('password', models.CharField(max_length=128, verbose_name='密码摘要')),
                ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='设置时间')),
                ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='password_history', to=settings.AUTH_USER_MODEL, verbose_name='人员')),
            ],
            options={
                'verbose_name': '历史密码',
                'verbose_name_plural': '历史密码',
                'ordering': ['-created_at', '-pk'],
                'indexes': [models.Index(fields=['user', '-created_at'], name='password_history_recent')],
            },
        ),
        migrations.CreateModel(
            name='PendingPasswordReset',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('state', models.CharField(choices=[('pending', '待确认'), ('confirmed', '已确认'), ('rejected', '已拒绝')], default='pending', max_length=20, verbose_name='状态')),
                ('requested_at', models.DateTimeField(auto_now_add=True, verbose_name='申请时间')),
                ('decided_at', models.DateTimeField(blank=True, null=True, verbose_name='确认时间')),
                ('second_factor', models.BooleanField(default=False, verbose_name='重置双因素登录')),
                ('confirmed_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='确认人')),
                ('organisation', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='accounts.organisation', verbose_name='单位')),
                ('requested_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='申请人')),
                ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='人员')),
            ],
            options={
                'verbose_name': '待确认的密码重置',
                'verbose_name_plural': '待确认的密码重置',
                'ordering': ['-requested_at', '-pk'],
                'constraints': [models.UniqueConstraint(condition=models.Q(('state', 'pending')), fields=('user', 'second_factor'), name='one_pending_reset_per_user')],
            },
            bases=(accounts.models.OrganisationScoped, models.Model),
        ),
        migrations.CreateModel(
            name='PendingRoleChange',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('state', models.CharField(choices=[('pending', '待确认'), ('confirmed', '已确认'), ('rejected', '已拒绝')], default='pending', max_length=20, verbose_name='状态')),
                ('requested_at', models.DateTimeField(auto_now_add=True, verbose_name='申请时间')),
                ('decided_at', models.DateTimeField(blank=True, null=True, verbose_name='确认时间')),
                ('role', models.CharField(choices=[('staff', '工作人员'), ('department_head', '科室负责人'), ('supervising_leader', '分管领导'), ('agency_head', '主要负责人'), ('hr_admin', '组织人事'), ('inspector', '纪检督查'), ('auditor', '审计员'), ('sysadmin', '系统管理员'), ('security_admin', '安全管理员'), ('oversight', '公务员主管部门')], max_length=30, verbose_name='角色')),
                ('withdraw', models.BooleanField(default=False, verbose_name='撤销')),
                ('confirmed_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='确认人')),
                ('department', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='accounts.department', verbose_name='科室')),
                ('organisation', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='accounts.organisation', verbose_name='单位')),
                ('requested_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='申请人')),
                ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='人员')),
            ],
            options={
                'verbose_name': '待确认的角色变更',
                'verbose_name_plural': '待确认的角色变更',
                'ordering': ['-requested_at', '-pk'],
                'indexes': [models.Index(fields=['organisation', 'state'], name='accounts_pe_organis_abf37c_idx')],
                'constraints': [models.UniqueConstraint(condition=models.Q(('department__isnull', True), ('state', 'pending')), fields=('user', 'role'), name='one_pending_change_per_user_role'), models.UniqueConstraint(condition=models.Q(('department__isnull', False), ('state', 'pending')), fields=('department', 'role'), name='one_pending_appointment_per_post')],
            },
            bases=(accounts.models.OrganisationScoped, models.Model),
        ),
        migrations.CreateModel(
            name='PeriodLock',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('year', models.PositiveSmallIntegerField(verbose_name='年度')),
                ('quarter', models.PositiveSmallIntegerField(validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(4)], verbose_name='季度')),
                ('locked_at', models.DateTimeField(verbose_name='锁定时间')),
                ('locked_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='锁定人')),
                ('organisation', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='period_locks', to='accounts.organisation', verbose_name='单位')),
            ],
            options={
                'verbose_name': '季度锁定',
                'verbose_name_plural': '季度锁定',
                'ordering': ['organisation', '-year', '-quarter'],
                'constraints': [models.UniqueConstraint(fields=('organisation', 'year', 'quarter'), name='one_period_lock_per_quarter')],
            },
            bases=(accounts.models.OrganisationScoped, models.Model),
        ),
        migrations.CreateModel(
            name='Policy',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('period', models.CharField(choices=[('quarter', '季度')], default='quarter', max_length=20, verbose_name='考核周期')),
                ('target_deadline_day', models.PositiveSmallIntegerField(default=10, help_text='季度第一个月的第几日前提交季目标。', validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(28)], verbose_name='季目标截止日')),
                ('summary_deadline_day', models.PositiveSmallIntegerField(default=5, help_text='次月第几日前提交上月小结；逾期仍可提交，记为迟交。', validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(28)], verbose_name='月小结截止日')),
                ('grading_deadline_days', models.PositiveSmallIntegerField(default=15, help_text='季度结束后多少天内完成审核评鉴。', validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(60)], verbose_name='评鉴期限（天）')),
                ('grading_opens', models.CharField(choices=[('quarter_end', '季度结束后'), ('survey_entered', '季度结束且满意度测评结果录入后')], default='quarter_end', help_text='季度评鉴最早何时开始：季度结束后的第一天；或在此基础上，还须录入本季度满意度测评结果。', max_length=20, verbose_name='评鉴开始时间')),
                ('grading_open_past_quarters', models.PositiveSmallIntegerField(default=1, help_text='人事部门最多可开放当前季度之前几个季度的评鉴。默认1：只能开放上一季度（季度结束后的评鉴期），更早的季度视为已过期，防止误开往年季度。', validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(4)], verbose_name='可补开评鉴的往期季度数')),
                ('reminder_days_before', models.PositiveSmallIntegerField(default=3, validators=[django.core.validators.MinValueValidator(0), django.core.validators.MaxValueValidator(15)], verbose_name='提前提醒天数')),
                ('review_reminder_days', models.PositiveSmallIntegerField(default=3, help_text='待审事项超过多少天提醒审核人。', validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(30)], verbose_name='待审提醒天数')),
                ('attachment_max_mb', models.PositiveSmallIntegerField(default=10, validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(100)], verbose_name='附件大小上限（MB）')),
                ('good_quota_percent', models.PositiveSmallIntegerField(default=40, help_text='按参与人数计算，向下取整。', validators=[django.core.validators.MinValueValidator(0), django.core.validators.MaxValueValidator(100)], verbose_name='“好”等次比例（%）')),
                ('good_quota_separate_pools', models.BooleanField(default=False, help_text='领导职务人员与其他人员分别计算“好”等次名额。', verbose_name='领导与非领导分池')),
                ('score_model_enabled', models.BooleanField(default=False, verbose_name='启用量化评分')),
                ('common_indicator_weight', models.PositiveSmallIntegerField(default=40, validators=[django.core.validators.MinValueValidator(0), django.core.validators.MaxValueValidator(100)], verbose_name='共性指标权重')),
                ('individual_indicator_weight', models.PositiveSmallIntegerField(default=60, validators=[django.core.validators.MinValueValidator(0), django.core.validators.MaxValueValidator(100)], verbose_name='个性指标权重')),
                ('band_good', models.PositiveSmallIntegerField(default=90, validators=[django.core.validators.MinValueValidator(0), django.core.validators.MaxValueValidator(100)], verbose_name='“好”分数线')),
                ('band_fairly_good', models.PositiveSmallIntegerField(default=80, validators=[django.core.validators.MinValueValidator(0), django.core.validators.MaxValueValidator(100)], verbose_name='“较好”分数线')),
                ('band_average', models.PositiveSmallIntegerField(default=60, help_text='低于此分数须评为“较差”。', validators=[django.core.validators.MinValueValidator(0), django.core.validators.MaxValueValidator(100)], verbose_name='“一般”分数线')),
                ('unhandled_complaint_deduction', models.PositiveSmallIntegerField(default=5, help_text='“表扬与投诉”指标以100分为基数，每件未处理（或处理情况不明）的投诉扣减的分数。', validators=[django.core.validators.MinValueValidator(0), django.core.validators.MaxValueValidator(100)], verbose_name='未处理投诉每件扣分')),
                ('handled_complaint_deduction', models.PositiveSmallIntegerField(default=2, help_text='每件已处理的投诉扣减的分数。', validators=[django.core.validators.MinValueValidator(0), django.core.validators.MaxValueValidator(100)], verbose_name='已处理投诉每件扣分')),
                ('praise_bonus', models.PositiveSmallIntegerField(default=2, help_text='每次表扬增加的分数；该指标得分在0至100分之间。', validators=[django.core.validators.MinValueValidator(0), django.core.validators.MaxValueValidator(100)], verbose_name='表扬每次加分')),
                ('linkage_enabled', models.BooleanField(default=False, verbose_name='科室成绩挂钩')),
                ('linkage_coefficient', models.DecimalField(decimal_places=2, default=Decimal('0.30'), help_text='综合得分 = 个人得分 ×（1 − k）+ 科室得分 × k。', max_digits=3, validators=[django.core.validators.MinValueValidator(Decimal('0')), django.core.validators.MaxValueValidator(Decimal('1'))], verbose_name='挂钩系数 k')),
                ('party_building_weight', models.PositiveSmallIntegerField(default=60, help_text='须超过科室得分权重的一半。', validators=[django.core.validators.MinValueValidator(0), django.core.validators.MaxValueValidator(100)], verbose_name='党建工作权重（科室得分）')),
                ('party_basics_share', models.PositiveSmallIntegerField(default=40, help_text='组织建设、制度执行等党建基础工作在党建工作得分中的比例。', validators=[django.core.validators.MinValueValidator(0), django.core.validators.MaxValueValidator(100)], verbose_name='党建基础工作占党建工作比例（%）')),
                ('party_education_share', models.PositiveSmallIntegerField(default=30, help_text='党员学习教育、日常管理在党建工作得分中的比例。', validators=[django.core.validators.MinValueValidator(0), django.core.validators.MaxValueValidator(100)], verbose_name='党员教育管理占党建工作比例（%）')),
                ('party_bottom_line_share', models.PositiveSmallIntegerField(default=30, help_text='基础工作、党员教育管理、底线约束三部分比例之和须为100。', validators=[django.core.validators.MinValueValidator(0), django.core.validators.MaxValueValidator(100)], verbose_name='底线约束占党建工作比例（%）')),
                ('uncertain_leave_share_percent', models.PositiveSmallIntegerField(default=50, help_text='休假超过考核期该比例者，定为不确定等次。', validators=[django.core.validators.MinValueValidator(0), django.core.validators.MaxValueValidator(100)], verbose_name='不确定等次休假比例（%）')),
                ('discipline_review_step', models.BooleanField(default=False, verbose_name='审批前征求纪委意见')),
                ('inspections_per_month', models.PositiveSmallIntegerField(default=2, validators=[django.core.validators.MinValueValidator(0), django.core.validators.MaxValueValidator(31)], verbose_name='每月最少检查次数')),
                ('publication_working_days', models.PositiveSmallIntegerField(default=5, validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(30)], verbose_name='公示期（工作日）')),
                ('publish_scores', models.BooleanField(default=False, verbose_name='公示分数与排名')),
                ('feedback_talk_by', models.CharField(choices=[('supervising_leader', '分管领导（与所分管科室的每位人员谈话）'), ('department_head', '科室负责人（与本科室人员谈话；科室负责人由分管领导谈话）')], default='supervising_leader', help_text='季度等次定等后，由谁与被考核人谈心谈话并记录反馈。', max_length=30, verbose_name='结果反馈谈话人')),
                ('feedback_talk_working_days', models.PositiveSmallIntegerField(default=10, help_text='定等后超过此工作日数仍未记录谈话的，在谈话人首页和每日汇总通知中提醒。', validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(60)], verbose_name='反馈谈话期限（工作日）')),
                ('weekly_progress_enabled', models.BooleanField(default=False, help_text='启用后，各科室负责人每周填报工作进展，由组织人事汇编后向全体人员公开。', verbose_name='启用每周工作进展')),
                ('dingtalk_webhook_url', models.URLField(blank=True, help_text='钉钉工作群自定义机器人的Webhook地址；留空则不推送。', max_length=500, verbose_name='钉钉群机器人Webhook地址')),
                ('dingtalk_secret_encrypted', models.TextField(blank=True, editable=False, verbose_name='钉钉机器人加签密钥（加密保存）')),
                ('excellent_quota_percent', models.PositiveSmallIntegerField(default=20, validators=[django.core.validators.MinValueValidator(0), django.core.validators.MaxValueValidator(100)], verbose_name='“优秀”等次比例（%）')),
                ('excellent_min_good_share_percent', models.PositiveSmallIntegerField(default=50, help_text='默认：“好”须超过已评季度的一半。', validators=[django.core.validators.MinValueValidator(0), django.core.validators.MaxValueValidator(100)], verbose_name='“优秀”须“好”的季度占比超过（%）')),
                ('excellent_forbids_average_or_below', models.BooleanField(default=True, verbose_name='有“一般”及以下等次不得评“优秀”')),
                ('basic_competent_average_quarters', models.PositiveSmallIntegerField(default=3, validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(12)], verbose_name='建议“基本称职”的“一般”季度数')),
                ('probation_gets_annual_grade', models.BooleanField(default=False, verbose_name='试用期人员确定年度等次')),
                ('participating_staff_types', models.JSONField(default=accounts.models.default_participating_staff_types, verbose_name='参加平时考核的人员类别')),
                ('welfare_window_month', models.PositiveSmallIntegerField(default=12, validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(12)], verbose_name='公益性岗位考核月份')),
                ('welfare_window_first_day', models.PositiveSmallIntegerField(default=1, validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(28)], verbose_name='公益性岗位考核开始日')),
                ('welfare_window_last_day', models.PositiveSmallIntegerField(default=15, validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(28)], verbose_name='公益性岗位考核截止日')),
                ('welfare_service_users_min', models.PositiveSmallIntegerField(default=2, validators=[django.core.validators.MinValueValidator(0), django.core.validators.MaxValueValidator(20)], verbose_name='民主测评服务对象最少人数')),
                ('welfare_service_users_max', models.PositiveSmallIntegerField(default=4, validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(20)], verbose_name='民主测评服务对象最多人数')),
                ('welfare_consequence_working_days', models.PositiveSmallIntegerField(default=10, validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(60)], verbose_name='考核结果处理期限（工作日）')),
                ('ballot_excellent_limit_percent', models.PositiveSmallIntegerField(default=20, help_text='每张测评票中评为“优秀”的人数不得超过被测评人数的此比例（向下取整，至少1人）。', validators=[django.core.validators.MinValueValidator(0), django.core.validators.MaxValueValidator(100)], verbose_name='测评票“优秀”最多占比（%）')),
                ('ballot_void_identical', models.BooleanField(default=True, help_text='被测评人多于1人时适用。', verbose_name='所有被测评人选同一等次的票作废')),
                ('ballot_void_full_marks', models.BooleanField(default=True, verbose_name='各项均为满分的票作废')),
                ('ballot_max_dimension_score', models.PositiveSmallIntegerField(default=10, validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(100)], verbose_name='德能勤绩廉每项满分')),
                ('ballot_trim_extremes', models.BooleanField(default=True, help_text='有效票多于下方票数时，每名被测评人的得分去掉最高、最低各一。', verbose_name='去掉一个最高分和一个最低分')),
                ('ballot_trim_above_papers', models.PositiveSmallIntegerField(default=5, validators=[django.core.validators.MinValueValidator(2), django.core.validators.MaxValueValidator(1000)], verbose_name='去掉最高最低分的票数下限')),
                ('ballot_low_share_percent', models.PositiveSmallIntegerField(default=30, help_text='有效票中“基本称职”和“不称职”（或“不满意”）合计达到此比例，年度建议“基本称职”。', validators=[django.core.validators.MinValueValidator(0), django.core.validators.MaxValueValidator(100)], verbose_name='建议“基本称职”的测评“基本称职/不称职”票占比（%）')),
                ('ballot_dissatisfied_percent', models.PositiveSmallIntegerField(default=25, help_text='服务对象的有效票中“不满意”达到此比例，年度建议“基本称职”。', validators=[django.core.validators.MinValueValidator(0), django.core.validators.MaxValueValidator(100)], verbose_name='建议“基本称职”的服务对象“不满意”占比（%）')),
                ('session_idle_minutes', models.PositiveSmallIntegerField(default=30, validators=[django.core.validators.MinValueValidator(5), django.core.validators.MaxValueValidator(30, message='空闲超时不能超过%(limit_value)s分钟。')], verbose_name='空闲超时（分钟）')),
                ('password_max_age_days', models.PositiveSmallIntegerField(default=90, help_text='密码使用超过此天数须修改后才能继续使用系统；0 表示不限。', validators=[django.core.validators.MinValueValidator(0), django.core.validators.MaxValueValidator(365)], verbose_name='密码最长使用期限（天）')),
                ('password_min_length', models.PositiveSmallIntegerField(default=8, help_text='不少于8位；修改后对此后设置的密码生效。', validators=[django.core.validators.MinValueValidator(8, message='密码最短长度不能少于%(limit_value)s位。'), django.core.validators.MaxValueValidator(64)], verbose_name='密码最短长度')),
                ('password_min_classes', models.PositiveSmallIntegerField(default=3, help_text='大写字母、小写字母、数字、特殊字符中至少包含几类（3或4）。', validators=[django.core.validators.MinValueValidator(3, message='字符类别数不能少于%(limit_value)s类。'), django.core.validators.MaxValueValidator(4)], verbose_name='密码须包含的字符类别数')),
                ('audit_retention_days', models.PositiveSmallIntegerField(default=180, help_text='超过此天数的审计记录每日自动清理；不少于180天。', validators=[django.core.validators.MinValueValidator(180, message='审计记录至少保存%(limit_value)s天。'), django.core.validators.MaxValueValidator(3650)], verbose_name='审计记录保存期限（天）')),
                ('two_factor_required', models.BooleanField(default=False, help_text='组织人事、分管领导、主要负责人、系统管理员、安全管理员和审计员登录时，除密码外还须输入验证器应用生成的动态码。', verbose_name='关键岗位须双因素登录')),
                ('updated_at', models.DateTimeField(auto_now=True)),
                ('organisation', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='policy', to='accounts.organisation', verbose_name='单位')),
            ],
            options={
                'verbose_name': '考核政策',
                'verbose_name_plural': '考核政策',
            },
            bases=(accounts.models.OrganisationScoped, models.Model),
        ),
        migrations.CreateModel(
            name='RoleAssignment',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('role', models.CharField(choices=[('staff', '工作人员'), ('department_head', '科室负责人'), ('supervising_leader', '分管领导'), ('agency_head', '主要负责人'), ('hr_admin', '组织人事'), ('inspector', '纪检督查'), ('auditor', '审计员'), ('sysadmin', '系统管理员'), ('security_admin', '安全管理员'), ('oversight', '公务员主管部门')], max_length=30, verbose_name='角色')),
                ('granted_at', models.DateTimeField(auto_now_add=True, verbose_name='授予时间')),
                ('organisation', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='role_assignments', to='accounts.organisation', verbose_name='单位')),
                ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='role_assignments', to=settings.AUTH_USER_MODEL, verbose_name='人员')),
            ],
            options={
                'verbose_name': '角色',
                'verbose_name_plural': '角色',
                'constraints': [models.UniqueConstraint(fields=('user', 'organisation', 'role'), name='role_once_per_user_org')],
            },
            bases=(accounts.models.OrganisationScoped, models.Model),
        ),
        migrations.CreateModel(
            name='StaffStatus',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('probation', '试用期'), ('seconded', '挂职/援派'), ('long_leave', '长期休假'), ('under_investigation', '立案审查')], max_length=30, verbose_name='状态')),
                ('start_date', models.DateField(verbose_name='起始日期')),
                ('end_date', models.DateField(blank=True, null=True, verbose_name='结束日期')),
                ('note', models.CharField(blank=True, max_length=200, verbose_name='说明')),
                ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='statuses', to=settings.AUTH_USER_MODEL, verbose_name='人员')),
            ],
            options={
                'verbose_name': '特殊状态',
                'verbose_name_plural': '特殊状态',
                'ordering': ['user', '-start_date'],
                'constraints': [models.CheckConstraint(condition=models.Q(('end_date__isnull', True), ('end_date__gte', models.F('start_date')), _connector='OR'), name='status_end_after_start')],
            },
            bases=(accounts.models.OrganisationScoped, models.Model),
        ),
        migrations.CreateModel(
            name='WorkingDayOverride',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('date', models.DateField(verbose_name='日期')),
                ('is_working_day', models.BooleanField(help_text='勾选表示当天上班（如调休补班），否则为休息日。', verbose_name='上班')),
                ('note', models.CharField(blank=True, max_length=100, verbose_name='说明')),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('created_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='创建人')),
                ('organisation', models.ForeignKey(blank=True, help_text='为空表示适用于所有单位。', null=True, on_delete=django.db.models.deletion.CASCADE, related_name='working_day_overrides', to='accounts.organisation', verbose_name='单位')),
            ],
            options={
                'verbose_name': '工作日调整',
                'verbose_name_plural': '工作日调整',
                'ordering': ['-date'],
                'constraints': [models.UniqueConstraint(fields=('organisation', 'date'), name='working_day_override_once_per_org'), models.UniqueConstraint(condition=models.Q(('organisation__isnull', True)), fields=('date',), name='working_day_override_once_globally')],
            },
            bases=(accounts.models.OrganisationScoped, models.Model),
        ),
        migrations.CreateModel(
            name='DepartmentMembership',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('start_date', models.DateField(verbose_name='起始日期')),
                ('end_date', models.DateField(blank=True, null=True, verbose_name='结束日期')),
                ('department', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='memberships', to='accounts.department', verbose_name='科室')),
                ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='memberships', to=settings.AUTH_USER_MODEL, verbose_name='人员')),
            ],
            options={
                'verbose_name': '科室任职记录',
                'verbose_name_plural': '科室任职记录',
                'ordering': ['user', '-start_date'],
                'constraints': [models.UniqueConstraint(condition=models.Q(('end_date__isnull', True)), fields=('user',), name='one_open_membership_per_user')],
            },
            bases=(accounts.models.OrganisationScoped, models.Model),
        ),
        migrations.CreateModel(
            name='Notification',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('message', models.CharField(max_length=300, verbose_name='内容')),
                ('url', models.CharField(blank=True, max_length=300, verbose_name='链接')),
                ('dedupe_key', models.CharField(blank=True, max_length=200)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('read_at', models.DateTimeField(blank=True, null=True)),
                ('emailed_at', models.DateTimeField(blank=True, null=True)),
                ('digest_day', models.DateField(blank=True, null=True)),
                ('digest', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='entries', to='accounts.notification')),
                ('recipient', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='notifications', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': '通知',
                'verbose_name_plural': '通知',
                'ordering': ['-created_at', '-pk'],
                'indexes': [models.Index(fields=['recipient', 'read_at'], name='accounts_no_recipie_82f910_idx'), models.Index(condition=models.Q(('digest__isnull', True), ('digest_day__isnull', False)), fields=['digest_day'], name='notification_digest_pending')],
                'constraints': [models.UniqueConstraint(condition=models.Q(('dedupe_key', ''), _negated=True), fields=('recipient', 'dedupe_key'), name='notification_once_per_key')],
            },
        ),
        migrations.CreateModel(
            name='Job',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(max_length=100, verbose_name='任务类型')),
                ('params', models.JSONField(blank=True, default=dict, verbose_name='参数')),
                ('state', models.CharField(choices=[('pending', '排队中'), ('running', '进行中'), ('done', '已完成'), ('failed', '失败')], default='pending', max_length=20, verbose_name='状态')),
                ('progress', models.PositiveSmallIntegerField(default=0, validators=[django.core.validators.MinValueValidator(0), django.core.validators.MaxValueValidator(100)], verbose_name='进度')),
                ('message', models.CharField(blank=True, max_length=300, verbose_name='进度说明')),
                ('summary', models.JSONField(blank=True, default=dict, verbose_name='结果摘要')),
                ('file', models.FileField(blank=True, max_length=300, storage=accounts.models._job_storage, upload_to=accounts.models._job_file_path, verbose_name='结果文件')),
                ('result_name', models.CharField(blank=True, max_length=200, verbose_name='文件名')),
                ('content_type', models.CharField(blank=True, max_length=100, verbose_name='文件类型')),
                ('error', models.TextField(blank=True, verbose_name='错误')),
                ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='提交时间')),
                ('enqueued_at', models.DateTimeField(blank=True, null=True)),
                ('started_at', models.DateTimeField(blank=True, null=True, verbose_name='开始时间')),
                ('finished_at', models.DateTimeField(blank=True, null=True, verbose_name='完成时间')),
                ('attempts', models.PositiveSmallIntegerField(default=0, verbose_name='尝试次数')),
                ('expires_at', models.DateTimeField(blank=True, null=True, verbose_name='文件保留至')),
                ('requested_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='提交人')),
                ('organisation', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='jobs', to='accounts.organisation', verbose_name='单位')),
            ],
            options={
                'verbose_name': '后台任务',
                'verbose_name_plural': '后台任务',
                'ordering': ['-created_at', '-pk'],
                'indexes': [models.Index(fields=['state', 'created_at'], name='accounts_jo_state_64a403_idx')],
            },
            bases=(accounts.models.OrganisationScoped, models.Model),
        ),
        migrations.RunPython(postgresql_forward, postgresql_backward),
    ]
