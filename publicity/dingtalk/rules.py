"""Who reads the DingTalk push records and sends a failed message again: HR, who keeps the robot's settings."""

import rules

from accounts.rules import is_hr_admin, same_organisation

rules.add_perm("publicity.view_dingtalk_messages", is_hr_admin)
rules.add_perm("publicity.manage_dingtalk", is_hr_admin & same_organisation)
