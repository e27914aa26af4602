package dev.hakmem;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.JavaField;
import com.tngtech.archunit.core.domain.JavaModifier;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.EvaluationResult;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.lang.invoke.VarHandle;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.fields;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The architecture's rules, checked on hakmem-core's classes (docs/design.md draws the layers):
 * <ul>
 * <li>no cycle between packages;</li>
 * <li>internal code never depends on the public API package {@code dev.hakmem};</li>
 * <li>no public non-final field in an internal package, and every atomic field (volatile, or an
 *     {@code Atomic*} or {@code VarHandle}) private to its class;</li>
 * <li>the layers: each package uses only those below it.</li>
 * </ul>
 * Each rule is also evaluated on {@code dev.hakmem.archfixture}, a miniature that breaks every one
 * of them on purpose, and must report a violation there: a rule that cannot fail proves nothing.
 */
class ArchitectureTest {
    static JavaClasses hakmem;
    static JavaClasses broken;

    @BeforeAll
    static void importClasses() {
        hakmem = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("dev.hakmem");
        broken = new ClassFileImporter().importPackages("dev.hakmem.archfixture");
    }

    /** Every package under the root's parent is a slice (the API package included): no slice may depend on itself through another. */
    static ArchRule noCycles(String root) {
        String parent = root.substring(0, root.lastIndexOf('.'));
        return slices().matching(parent + ".(**)").should().beFreeOfCycles();
    }

    static ArchRule internalIndependentOfApi(String root) {
        return noClasses().that().resideInAPackage(root + ".internal..")
                .should().dependOnClassesThat().resideInAPackage(root);
    }

    static ArchRule noPublicMutableFields(String root) {
        return fields().that().areDeclaredInClassesThat().resideInAPackage(root + ".internal..")
                .and().arePublic().should().beFinal();
    }

    static final DescribedPredicate<JavaClass> ATOMIC_TYPE = new DescribedPredicate<>("an atomic type") {
        @Override
        public boolean test(JavaClass t) {
            return t.isAssignableTo(VarHandle.class) || t.isAssignableTo(AtomicLong.class)
                    || t.isAssignableTo(AtomicInteger.class) || t.isAssignableTo(AtomicReference.class);
        }
    };

    static ArchRule atomicFieldsPrivate(String root) {
        DescribedPredicate<JavaField> atomic = new DescribedPredicate<>("volatile or of an atomic type") {
            @Override
            public boolean test(JavaField f) {
                return f.getModifiers().contains(JavaModifier.VOLATILE) || ATOMIC_TYPE.test(f.getRawType());
            }
        };
        return fields().that().areDeclaredInClassesThat().resideInAPackage(root + ".internal..")
                .and(atomic).should().bePrivate();
    }

    static List<ArchRule> rules(String root) {
        return List.of(noCycles(root), internalIndependentOfApi(root), noPublicMutableFields(root),
                atomicFieldsPrivate(root));
    }

    @Test
    void hakmemFollowsEveryRule() {
        StringBuilder report = new StringBuilder();
        for (ArchRule rule : rules("dev.hakmem")) {
            EvaluationResult r = rule.evaluate(hakmem);
            if (r.hasViolation()) {
                report.append(r.getFailureReport()).append('\n');
            }
        }
        assertTrue(report.isEmpty(), report.toString());
    }

    @Test
    void everyRuleFailsOnTheBrokenMiniature() {
        for (ArchRule rule : rules("dev.hakmem.archfixture")) {
            EvaluationResult r = rule.evaluate(broken);
            assertTrue(r.hasViolation(), "rule found nothing to object to in the broken miniature: " + rule.getDescription());
        }
    }

    /** Each layer uses only the layers below it (config and event are leaves any layer may use). */
    @Test
    void layersDependDownwardOnly() {
        layeredArchitecture().consideringOnlyDependenciesInLayers()
                .layer("Api").definedBy("dev.hakmem")
                .layer("Arena").definedBy("dev.hakmem.internal.arena..")
                .layer("Allocator").definedBy("dev.hakmem.internal")
                .layer("Debug").definedBy("dev.hakmem.internal.debug..")
                .layer("Slab").definedBy("dev.hakmem.internal.slab..")
                .layer("Huge").definedBy("dev.hakmem.internal.huge..")
                .layer("Os").definedBy("dev.hakmem.internal.os..")
                .layer("Leaves").definedBy("dev.hakmem.internal.config..", "dev.hakmem.internal.event..")
                .whereLayer("Api").mayNotBeAccessedByAnyLayer()
                .whereLayer("Arena").mayOnlyBeAccessedByLayers("Api")
                .whereLayer("Allocator").mayOnlyBeAccessedByLayers("Api", "Arena")
                .whereLayer("Debug").mayOnlyBeAccessedByLayers("Api", "Allocator")
                .whereLayer("Slab").mayOnlyBeAccessedByLayers("Api", "Allocator", "Debug")
                .whereLayer("Huge").mayOnlyBeAccessedByLayers("Api", "Allocator", "Slab")
                .whereLayer("Os").mayOnlyBeAccessedByLayers("Api", "Allocator", "Debug", "Slab", "Huge")
                .check(hakmem);
    }

    @Test
    void theBrokenMiniatureIsReallyBroken() {
        // guards the fixture itself: if someone "fixes" it, the test above would prove nothing
        assertFalse(broken.isEmpty(), "fixture classes imported");
    }
}
