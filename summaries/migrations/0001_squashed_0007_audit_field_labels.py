"""The summaries tables as migrations 0001–0007 left them, in one migration (squashed 2026-12-04:
how it was written and what ``replaces`` means for an existing database, the accounts squash)."""

import accounts.models
import accounts.storage
import django.core.validators
import django.db.models.deletion
import summaries.models
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    replaces = [
        ('summaries', '0001_initial'),
        ('summaries', '0002_text_length_limits'),
        ('summaries', '0003_attachment_content_digest'),
        ('summaries', '0004_autosave_writer'),
        ('summaries', '0005_submitted_owner_index'),
        ('summaries', '0006_owner_department_for_the_review_inbox'),
        ('summaries', '0007_audit_field_labels'),
    ]

    dependencies = [
        ('accounts', '0001_squashed_0031_audit_field_labels'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ('targets', '0001_squashed_0006_audit_field_labels'),
    ]

    operations = [
        migrations.CreateModel(
            name='MonthlySummary',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('status', models.CharField(choices=[('draft', '草稿'), ('submitted', '已提交'), ('approved', '已通过'), ('returned', '已退回')], default='draft', max_length=20, verbose_name='状态')),
                ('version', models.PositiveIntegerField(default=1, verbose_name='版本')),
                ('submitted_at', models.DateTimeField(blank=True, null=True, verbose_name='提交时间')),
                ('reviewed_at', models.DateTimeField(blank=True, null=True, verbose_name='审核时间')),
                ('return_reason', models.TextField(blank=True, max_length=2000, validators=[django.core.validators.MaxLengthValidator(2000)], verbose_name='退回原因')),
                ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='创建时间')),
                ('updated_at', models.DateTimeField(auto_now=True, verbose_name='更新时间')),
                ('year', models.PositiveSmallIntegerField(verbose_name='年度')),
                ('month', models.PositiveSmallIntegerField(verbose_name='月份')),
                ('other_work', models.TextField(blank=True, max_length=5000, validators=[django.core.validators.MaxLengthValidator(5000)], verbose_name='其他工作')),
                ('problems', models.TextField(blank=True, max_length=5000, validators=[django.core.validators.MaxLengthValidator(5000)], verbose_name='存在问题')),
                ('next_month_plan', models.TextField(blank=True, max_length=5000, validators=[django.core.validators.MaxLengthValidator(5000)], verbose_name='下月计划')),
                ('is_late', models.BooleanField(default=False, verbose_name='迟交')),
                ('autosave_tab', models.CharField(blank=True, default='', editable=False, max_length=40, verbose_name='自动保存页签')),
                ('autosave_seq', models.PositiveIntegerField(default=0, editable=False, verbose_name='自动保存序号')),
                ('autosave_version', models.PositiveIntegerField(default=0, editable=False, verbose_name='自动保存版本')),
                ('department', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='monthly_summaries', to='accounts.department', verbose_name='科室')),
                ('organisation', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='accounts.organisation', verbose_name='单位')),
                ('owner', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='monthly_summaries', to=settings.AUTH_USER_MODEL, verbose_name='被考核人')),
                ('owner_department', models.ForeignKey(blank=True, editable=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='accounts.department', verbose_name='被考核人当前科室')),
                ('reviewer', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='审核人')),
            ],
            options={
                'verbose_name': '月小结',
                'verbose_name_plural': '月小结',
                'ordering': ['-year', '-month', 'owner_id'],
                'indexes': [models.Index(fields=['organisation', 'year', 'month', 'status'], name='summaries_m_organis_6a8346_idx'), models.Index(fields=['department', 'status'], name='summaries_m_departm_ca0ccb_idx'), models.Index(condition=models.Q(('status', 'submitted')), fields=['owner_department', 'organisation', 'owner', 'submitted_at', 'id'], name='summary_waiting_idx')],
                'constraints': [models.UniqueConstraint(fields=('owner', 'year', 'month'), name='one_summary_per_month')],
            },
            bases=(accounts.models.OrganisationScoped, models.Model),
        ),
        migrations.CreateModel(
            name='SummaryAttachment',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('file', models.FileField(max_length=300, storage=accounts.storage.get_private_storage, upload_to=summaries.models._attachment_path, verbose_name='文件')),
                ('original_name', models.CharField(max_length=200, verbose_name='文件名')),
                ('content_type', models.CharField(max_length=100, verbose_name='类型')),
                ('size', models.PositiveBigIntegerField(verbose_name='大小')),
                ('sha256', models.CharField(blank=True, default='', editable=False, max_length=64, verbose_name='内容摘要')),
                ('uploaded_at', models.DateTimeField(auto_now_add=True, verbose_name='上传时间')),
                ('summary', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='attachments', to='summaries.monthlysummary', verbose_name='月小结')),
                ('uploaded_by', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='上传人')),
            ],
            options={
                'verbose_name': '附件',
                'verbose_name_plural': '附件',
                'ordering': ['summary', 'uploaded_at'],
                'constraints': [models.UniqueConstraint(condition=models.Q(('sha256', ''), _negated=True), fields=('summary', 'sha256'), name='one_copy_of_a_file_per_summary')],
            },
            bases=(accounts.models.OrganisationScoped, models.Model),
        ),
        migrations.CreateModel(
            name='SummaryConflictCopy',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('based_on_version', models.PositiveIntegerField()),
                ('payload', models.JSONField()),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('author', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('summary', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='conflict_copies', to='summaries.monthlysummary')),
            ],
            options={
                'ordering': ['-created_at'],
            },
        ),
        migrations.CreateModel(
            name='SummaryProgress',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('item_content', models.TextField(max_length=500, validators=[django.core.validators.MaxLengthValidator(500)], verbose_name='目标事项')),
                ('note', models.TextField(blank=True, max_length=2000, validators=[django.core.validators.MaxLengthValidator(2000)], verbose_name='进展情况')),
                ('sort_order', models.PositiveSmallIntegerField(default=0, verbose_name='排序')),
                ('summary', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='progress_notes', to='summaries.monthlysummary', verbose_name='月小结')),
                ('target_item', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='progress_notes', to='targets.targetitem', verbose_name='目标事项')),
            ],
            options={
                'verbose_name': '目标进展',
                'verbose_name_plural': '目标进展',
                'ordering': ['summary', 'sort_order', 'pk'],
                'constraints': [models.UniqueConstraint(fields=('summary', 'target_item'), name='one_note_per_item_per_summary')],
            },
            bases=(accounts.models.OrganisationScoped, models.Model),
        ),
    ]
