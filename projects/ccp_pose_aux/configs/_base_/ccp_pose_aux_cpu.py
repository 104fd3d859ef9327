# The CCP pose study on its first schedule: the study's data, network and evaluation (ccp_pose_aux_common_cpu.py)
# trained from scratch for 4000 iterations (schedules/schedule_4k.py). The variants of configs/clothing4/ inherit
# it; the 8000-iteration runs (configs/clothing4_8k/, configs/schedule/) join the same common ground with
# schedules/schedule_8k.py instead.
_base_ = ['./ccp_pose_aux_common_cpu.py', './schedules/schedule_4k.py']
