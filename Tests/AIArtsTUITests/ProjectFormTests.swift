import AIArtsEngine
import AIArtsRender
import Testing
@testable import AIArtsTUI

/// The new-project form and `:project set` offer only datasets of the project's type.
@Suite struct ProjectFormTests {
    static let datasets = [
        DatasetRow(id: "D0001", name: "shapes", type: "classification", status: "copied"),
        DatasetRow(id: "D0002", name: "boxes", type: "detection", status: "copied"),
        DatasetRow(id: "D0003", name: "more shapes", type: "classification", status: "copied"),
    ]

    @Test func theDatasetChoiceFollowsTheType() {
        var form = FieldForm.project(datasets: Self.datasets)
        #expect(form.fields[1].value == "classification")
        #expect(form.fields[2].options == ["none", "D0001 shapes (classification)", "D0003 more shapes (classification)"])
        form.focus = 2
        _ = form.type(.right)
        #expect(form.fields[2].value.hasPrefix("D0001"))
        form.focus = 1
        _ = form.type(.right)  // detection
        #expect(form.fields[1].value == "detection")
        #expect(form.fields[2].options == ["none", "D0002 boxes (detection)"])
        #expect(form.fields[2].choice == 0, "a dataset of the old type is not carried over")
        form.fields[0].text = "p"
        form.focus = 2
        _ = form.type(.right)
        #expect(form.commands() == [["project", "create", "p", "detection", "D0002"]])
    }

    /// ← on a text field (no options to choose from) used to divide by zero options.
    @Test func leftOnATextFieldDoesNothing() {
        var form = FieldForm.project(datasets: Self.datasets)
        form.focus = 0
        form.fields[0].text = "p"
        _ = form.type(.left)
        _ = form.type(.right)
        #expect(form.fields[0].text == "p" && form.focus == 0)
    }

    @Test func projectSetCompletesDatasetsOfTheProjectsType() {
        var state = sampleState()
        state.data?.datasets = Self.datasets
        #expect(CommandLineInput.candidates("project ", state: state).contains("set"))
        #expect(CommandLineInput.candidates("project set ", state: state) == ["P0001"])
        #expect(CommandLineInput.candidates("project set P0001 ", state: state) == ["D0001", "D0003"])
        #expect(CommandLineInput.parse("project set P0001 D0003") == .workspace(["project", "set", "P0001", "D0003"]))
    }
}
