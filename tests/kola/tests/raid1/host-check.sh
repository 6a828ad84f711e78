# Both members carry the md superblock of the same array.
mdadm --examine "$DISK_DISK1" | grep -q 'Raid Level : raid1'
u1=$(mdadm --examine "$DISK_DISK1" | awk '/Array UUID/ {print $4}')
u2=$(mdadm --examine "$DISK_DISK2" | awk '/Array UUID/ {print $4}')
[ -n "$u1" ] && [ "$u1" = "$u2" ]
