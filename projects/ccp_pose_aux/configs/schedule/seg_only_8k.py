# seg_only on twice the campaign's schedule (8000 iterations): does the last 20 % of a longer run add less than
# 1 point of mIoU? The study's common ground with schedules/schedule_8k.py in place of schedule_4k.py.
_base_ = ['../_base_/ccp_pose_aux_common_cpu.py', '../_base_/schedules/schedule_8k.py']
