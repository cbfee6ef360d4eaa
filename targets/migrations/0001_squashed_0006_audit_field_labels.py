"""The targets tables as migrations 0001–0006 left them, in one migration (squashed 2026-12-04:
how it was written and what ``replaces`` means for an existing database, the accounts squash)."""

import accounts.models
import django.core.validators
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    replaces = [
        ('targets', '0001_initial'),
        ('targets', '0002_text_length_limits'),
        ('targets', '0003_submitted_owner_index'),
        ('targets', '0004_owner_department_for_the_review_inbox'),
        ('targets', '0005_quarter_labels_as_pages_name_them'),
        ('targets', '0006_audit_field_labels'),
    ]

    dependencies = [
        ('accounts', '0001_squashed_0031_audit_field_labels'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='DepartmentGoal',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('year', models.PositiveSmallIntegerField(verbose_name='年度')),
                ('quarter', models.PositiveSmallIntegerField(blank=True, choices=[(1, '第1季度'), (2, '第2季度'), (3, '第3季度'), (4, '第4季度')], help_text='留空表示年度目标。', null=True, verbose_name='季度')),
                ('content', models.TextField(max_length=500, validators=[django.core.validators.MaxLengthValidator(500)], verbose_name='目标内容')),
                ('sort_order', models.PositiveSmallIntegerField(default=0, verbose_name='排序')),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('created_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='创建人')),
                ('department', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='goals', to='accounts.department', verbose_name='科室')),
            ],
            options={
                'verbose_name': '科室目标',
                'verbose_name_plural': '科室目标',
                'ordering': ['department', 'year', 'quarter', 'sort_order', 'pk'],
                'indexes': [models.Index(fields=['department', 'year', 'quarter'], name='targets_dep_departm_318762_idx')],
            },
            bases=(accounts.models.OrganisationScoped, models.Model),
        ),
        migrations.CreateModel(
            name='TargetSet',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('status', models.CharField(choices=[('draft', '草稿'), ('submitted', '已提交'), ('approved', '已通过'), ('returned', '已退回')], default='draft', max_length=20, verbose_name='状态')),
                ('version', models.PositiveIntegerField(default=1, verbose_name='版本')),
                ('submitted_at', models.DateTimeField(blank=True, null=True, verbose_name='提交时间')),
                ('is_late', models.BooleanField(default=False, verbose_name='逾期提交')),
                ('reviewed_at', models.DateTimeField(blank=True, null=True, verbose_name='审核时间')),
                ('return_reason', models.TextField(blank=True, max_length=2000, validators=[django.core.validators.MaxLengthValidator(2000)], verbose_name='退回原因')),
                ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='创建时间')),
                ('updated_at', models.DateTimeField(auto_now=True, verbose_name='更新时间')),
                ('year', models.PositiveSmallIntegerField(verbose_name='年度')),
                ('quarter', models.PositiveSmallIntegerField(choices=[(1, '第1季度'), (2, '第2季度'), (3, '第3季度'), (4, '第4季度')], verbose_name='季度')),
                ('department', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='target_sets', to='accounts.department', verbose_name='科室')),
                ('organisation', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='accounts.organisation', verbose_name='单位')),
                ('owner', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='target_sets', to=settings.AUTH_USER_MODEL, verbose_name='被考核人')),
                ('owner_department', models.ForeignKey(blank=True, editable=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='accounts.department', verbose_name='被考核人当前科室')),
                ('reviewer', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='审核人')),
            ],
            options={
                'verbose_name': '季度目标',
                'verbose_name_plural': '季度目标',
                'ordering': ['-year', '-quarter', 'owner_id'],
                'indexes': [models.Index(fields=['organisation', 'year', 'quarter', 'status'], name='targets_tar_organis_192fcc_idx'), models.Index(fields=['department', 'status'], name='targets_tar_departm_592beb_idx'), models.Index(condition=models.Q(('status', 'submitted')), fields=['owner_department', 'organisation', 'owner', 'submitted_at', 'id'], name='targetset_waiting_idx')],
                'constraints': [models.UniqueConstraint(fields=('owner', 'year', 'quarter'), name='one_target_set_per_quarter')],
            },
            bases=(accounts.models.OrganisationScoped, models.Model),
        ),
        migrations.CreateModel(
            name='TargetItem',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('sort_order', models.PositiveSmallIntegerField(default=0, verbose_name='序号')),
                ('content', models.TextField(max_length=500, validators=[django.core.validators.MaxLengthValidator(500)], verbose_name='目标内容')),
                ('kind', models.CharField(choices=[('key', '重点工作'), ('assigned', '领导交办'), ('routine', '日常工作')], default='key', max_length=20, verbose_name='类别')),
                ('measures', models.TextField(blank=True, max_length=2000, validators=[django.core.validators.MaxLengthValidator(2000)], verbose_name='推进措施')),
                ('deadline', models.DateField(blank=True, null=True, verbose_name='时间节点')),
                ('weight', models.PositiveSmallIntegerField(blank=True, null=True, validators=[django.core.validators.MinValueValidator(0), django.core.validators.MaxValueValidator(100)], verbose_name='权重')),
                ('completion', models.CharField(blank=True, choices=[('done', '完成'), ('partial', '部分完成'), ('not_done', '未完成')], max_length=20, verbose_name='完成情况')),
                ('completion_note', models.TextField(blank=True, max_length=500, validators=[django.core.validators.MaxLengthValidator(500)], verbose_name='完成情况说明')),
                ('assigned_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='交办领导')),
                ('goal', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='target_items', to='targets.departmentgoal', verbose_name='对应科室目标')),
                ('target_set', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='items', to='targets.targetset', verbose_name='季度目标')),
            ],
            options={
                'verbose_name': '目标事项',
                'verbose_name_plural': '目标事项',
                'ordering': ['target_set', 'sort_order', 'pk'],
            },
            bases=(accounts.models.OrganisationScoped, models.Model),
        ),
        migrations.CreateModel(
            name='TargetSetRevision',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('number', models.PositiveSmallIntegerField(verbose_name='版本')),
                ('items', models.JSONField(verbose_name='目标事项')),
                ('submitted_at', models.DateTimeField(verbose_name='提交时间')),
                ('outcome', models.CharField(choices=[('draft', '草稿'), ('submitted', '已提交'), ('approved', '已通过'), ('returned', '已退回')], default='submitted', max_length=20, verbose_name='审核结果')),
                ('decided_at', models.DateTimeField(blank=True, null=True)),
                ('reason', models.TextField(blank=True, max_length=2000, validators=[django.core.validators.MaxLengthValidator(2000)], verbose_name='退回原因')),
                ('decided_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('submitted_by', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('target_set', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='revisions', to='targets.targetset')),
            ],
            options={
                'verbose_name': '目标版本',
                'verbose_name_plural': '目标版本',
                'ordering': ['target_set', 'number'],
                'constraints': [models.UniqueConstraint(fields=('target_set', 'number'), name='target_revision_number_unique')],
            },
        ),
    ]
