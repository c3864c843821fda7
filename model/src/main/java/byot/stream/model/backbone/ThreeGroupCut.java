package byot.stream.model.backbone;

/**
 * Where a three-group network (WRN, ResNeXt-29, PyramidNet) puts its four sections: the first group is split in
 * two (blocks [0, ceil(n/2)) and [ceil(n/2), n)), the second and third groups are sections 3 and 4. Stages cost
 * about the same, so the exits land near 1/6, 1/3, 2/3 and all of the cost (docs/model.md).
 *
 * @param group the group (0..2) whose blocks {@code from} (inclusive) to {@code to} (exclusive) the section runs
 */
record ThreeGroupCut(int group, int from, int to) {

    /** Two halves of the first group, then the second and the third group. */
    static final int SECTIONS = 4;

    static ThreeGroupCut of(int section, int blocksPerGroup) {
        int firstHalf = (blocksPerGroup + 1) / 2;
        return new ThreeGroupCut(Math.max(0, section - 1), section == 1 ? firstHalf : 0,
                section == 0 ? firstHalf : blocksPerGroup);
    }

    /** The first block of the second and third groups halves the feature map; every other block keeps it. */
    int stride(int block) {
        return block == 0 && group > 0 ? 2 : 1;
    }
}
